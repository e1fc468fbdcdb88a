#!/usr/bin/env bash
# validators-selftest.sh [TARGET...] — show that scripts/validate.sh tells good output from bad.
#
# For every sample under scripts/validator-samples/<target>/:
#   good-*  must be valid   (validate.sh exits 0)
#   bad-*   must be invalid (validate.sh exits 1; 2 would mean a usage error or a missing tool,
#           which counts as a failure). Each bad sample's name says what is wrong with it.
#   <sample>.env (optional) holds KEY=VALUE lines set for that sample only (e.g. SYSTEMD_STUB_EXEC=1).
# Then it checks validate.sh's exit-status contract (usage errors and missing tools give 2).
#
# The whole run happens in an empty network namespace (`unshare -n`) when the kernel allows it,
# which shows that no validator fetches anything at run time; if unshare is not permitted it
# says so and runs with the network. SELFTEST_NET=1 skips unshare on purpose.
# Needs the tools from scripts/install-validators.sh (prefix $STACKC_VALIDATORS_PREFIX).
# Last line: "N passed, M failed"; exit status 0 only if nothing failed.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SAMPLES="$HERE/validator-samples"
VALIDATE="$HERE/validate.sh"

if [ "${SELFTEST_NET:-0}" != 1 ] && [ -z "${SELFTEST_IN_NETNS:-}" ]; then
  if unshare -n true 2>/dev/null; then
    SELFTEST_IN_NETNS=1 exec unshare -n bash "$0" "$@"
  else
    echo "(unshare -n is not permitted here: running WITH the network, so offline operation is not proven)"
  fi
fi
if [ -n "${SELFTEST_IN_NETNS:-}" ]; then
  # /proc/net is per network namespace (/sys/class/net would still show the host's view)
  echo "(running in an empty network namespace: interfaces: $(awk -F: 'NR > 2 {gsub(/ /, "", $1); printf "%s ", $1}' /proc/net/dev)routes: $(awk 'NR > 1' /proc/net/route | wc -l))"
fi

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(compose k8s kustomize helm systemd quadlet gha)
pass=0; fail=0
T0=$(date +%s%N)
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

report() { # OK? NAME RC WANT MS OUTPUT
  local ok="$1" name="$2" rc="$3" want="$4" ms="$5" out="$6" secs
  secs="$((ms / 1000)).$(printf '%02d' $(( (ms % 1000) / 10 )))"
  if [ "$ok" = 1 ]; then
    pass=$((pass + 1))
    printf 'ok   %-52s rc=%s %5ss  %s\n' "$name" "$rc" "$secs" "$(grep -v '^\s*$' <<<"$out" | grep -v '^note:' | head -1 | cut -c1-110)"
  else
    fail=$((fail + 1))
    printf 'FAIL %-52s rc=%s (wanted %s) %5ss\n' "$name" "$rc" "$want" "$secs"
    sed 's/^/     | /' <<<"$out" | head -25
  fi
}

for t in "${targets[@]}"; do
  [ -d "$SAMPLES/$t" ] || { echo "FAIL no samples for target '$t'"; fail=$((fail + 1)); continue; }
  for s in "$SAMPLES/$t"/good-* "$SAMPLES/$t"/bad-*; do
    [ -e "$s" ] || continue
    case "$s" in *.env) continue ;; esac
    envs=()
    if [ -f "$s.env" ]; then mapfile -t envs < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$s.env"); fi
    name="$t/$(basename "$s")${envs[*]:+ (${envs[*]})}"
    start=$(now_ms)
    # run from the samples dir so messages show short relative paths
    out="$(cd "$SAMPLES" && env ${envs[@]+"${envs[@]}"} "$VALIDATE" "$t" "${s#"$SAMPLES"/}" 2>&1)"; rc=$?
    ms=$(( $(now_ms) - start ))
    case "$(basename "$s")" in good-*) want=0 ;; *) want=1 ;; esac
    report "$([ "$rc" = "$want" ] && echo 1 || echo 0)" "$name" "$rc" "$want" "$ms" "$out"
  done
done

# ---- exit-status contract: 2 = usage error, missing path or missing tool ----
if [ $# -eq 0 ]; then
  empty="$(mktemp -d)"
  contract() { # NAME COMMAND...   (must exit 2)
    local name="$1" start out rc; shift
    start=$(now_ms); out="$("$@" 2>&1)"; rc=$?
    report "$([ "$rc" = 2 ] && echo 1 || echo 0)" "contract/$name" "$rc" 2 "$(( $(now_ms) - start ))" "$out"
  }
  contract "no-arguments" "$VALIDATE"
  contract "unknown-target" "$VALIDATE" terraform "$SAMPLES/k8s/good-app.yaml"
  contract "missing-path" "$VALIDATE" k8s "$SAMPLES/k8s/no-such-file.yaml"
  contract "helm-path-is-not-a-chart" "$VALIDATE" helm "$SAMPLES/k8s"
  contract "k8s-version-not-bundled" env K8S_VERSIONS=1.20.0 "$VALIDATE" k8s "$SAMPLES/k8s/good-app.yaml"
  for t in compose k8s kustomize helm quadlet gha; do
    p="$(ls -d "$SAMPLES/$t"/good-* | head -1)"
    contract "missing-tools-$t" env STACKC_VALIDATORS_PREFIX="$empty" "$VALIDATE" "$t" "$p"
  done
  rmdir "$empty"
fi

total_ms=$(( ($(date +%s%N) - T0) / 1000000 ))
echo "selftest took $((total_ms / 1000)).$(printf '%01d' $(( (total_ms % 1000) / 100 ))) s"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
