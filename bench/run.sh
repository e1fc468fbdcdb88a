#!/usr/bin/env bash
# Benchmarks `stackc check` (and `stackc emit` where available) on generated
# stacks of 100, 1,000 and 10,000 services. Prints a table; figures go into
# the issue notes. Usage: bench/run.sh [SIZES...]   (default: 100 1000 10000)
# Timing: best of 5 runs of the release binary, one core (taskset -c 0 when
# available), wall clock; peak RSS from /usr/bin/time when available.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("${@:-100 1000 10000}")
read -r -a SIZES <<< "${SIZES[*]}"
OUT=bench/out
mkdir -p "$OUT"
cargo build --release -q -p stackc
BIN=target/release/stackc
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 0"

best_of() { # best_of N cmd... → prints best wall seconds
  local n=$1; shift
  local best=""
  for _ in $(seq "$n"); do
    local s e
    s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
    best=$(python3 -c "b='$best'; t=$e-$s; print(t if b=='' or t<float(b) else b)")
  done
  printf '%.3f' "$best"
}

peak_rss_mb() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.1f", $1/1024}'
  else
    echo "n/a"
  fi
}

printf '%-8s %10s %12s %10s %14s %10s %12s\n' services "lines" "check (s)" "svc/s" "emit k8s (s)" "k8s MB" "peak MB"
for n in "${SIZES[@]}"; do
  f="$OUT/stack-$n.stack"
  [ -f "$f" ] || python3 bench/gen.py "$n" > "$f"
  lines=$(wc -l < "$f")
  t_check=$(best_of 5 $PIN "$BIN" check "$f")
  rm -rf "$OUT/k8s-$n"
  t_emit=$(best_of 3 $PIN "$BIN" emit "$f" --target k8s --out "$OUT/k8s-$n")
  size=$(du -sm "$OUT/k8s-$n" 2>/dev/null | cut -f1 || echo 0)
  rss=$(peak_rss_mb $PIN "$BIN" emit "$f" --target k8s --out "$OUT/k8s-$n")
  rate=$(python3 -c "print(int($n/max($t_check,1e-9)))")
  printf '%-8s %10s %12s %10s %14s %10s %12s\n' "$n" "$lines" "$t_check" "$rate" "$t_emit" "$size" "$rss"
done
