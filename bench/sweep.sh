#!/usr/bin/env bash
# Time and memory per service of `stackc check` and of
# `stackc emit --target k8s --env prod` over many sizes of the bench stack
# (bench/gen.py), on one core: where the cost per service rises with the
# size of the stack, and whether it stops rising (linear from there).
#
#   bench/sweep.sh [SIZES...]     default: 500 1000 2000 3000 5000 10000 20000 40000
#   RUNS=5 bench/sweep.sh         runs per measurement (the best wall is kept)
#   BIN=/path/to/stackc bench/sweep.sh
#                                 another build (default: a release build of
#                                 this checkout)
#
# For each size and job it prints the best run's wall time, and per service
# its wall, user and system time in µs and its peak memory in KB, then the
# ratio of each size's wall per service to the smallest size's. User time
# per service is the figure to read across sizes: system time is page
# faults, which on a virtual machine vary from run to run with how much of
# the guest's memory the host still backs. Stacks are generated into
# bench/out (kept, as bench/run.sh does); emitted files go to tmpfs.
# This is a benchmark, not a test: nothing here fails on slowness.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
read -r -a SIZES <<< "${*:-500 1000 2000 3000 5000 10000 20000 40000}"
OUT=bench/out
mkdir -p "$OUT"
if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p stackc
  BIN=$PWD/target/release/stackc
fi
EMIT=$(mktemp -d "${TMPDIR:-/dev/shm}/stackc-sweep.XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$EMIT"' EXIT
PIN=()
command -v taskset >/dev/null && PIN=(taskset -c 0)

. bench/lib.sh

printf '%8s %-9s %9s %10s %10s %9s %9s %8s\n' services job "wall s" "wall µs" "user µs" "sys µs" "peak KB" "×first"
declare -A FIRST
for n in "${SIZES[@]}"; do
  f="$OUT/stack-$n.stack"
  [ -f "$f" ] || python3 bench/gen.py "$n" > "$f"
  for job in check k8s/prod; do
    if [ "$job" = check ]; then
      r=$(best_run "" "$BIN" check "$f")
    else
      r=$(best_run "$EMIT/out" "$BIN" emit "$f" --target k8s --env prod --out "$EMIT/out")
    fi
    read -r wall user sys rss <<< "$r"
    per=$(python3 -c "print($wall / $n * 1e6)")
    [ -z "${FIRST[$job]:-}" ] && FIRST[$job]=$per
    python3 - "$n" "$job" "$wall" "$user" "$sys" "$rss" "${FIRST[$job]}" <<'PY'
import sys
n, job = int(sys.argv[1]), sys.argv[2]
wall, user, sys_, rss, first = map(float, sys.argv[3:])
us = lambda t: t / n * 1e6
print(f"{n:8d} {job:9s} {wall:9.3f} {us(wall):10.1f} {us(user):10.1f} {us(sys_):9.1f}"
      f" {rss / n:9.1f} {us(wall) / first:7.2f}")
PY
  done
done
