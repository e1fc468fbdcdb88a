# Shared by bench/run.sh and bench/sweep.sh (sourced, not run): the
# best of RUNS timed runs of a command.

# best_run OUTDIR CMD... → "wall user sys rss_kb" of the run of CMD (pinned
# with PIN, if set) with the least wall time, of RUNS runs; OUTDIR (if not
# empty) is removed before each run. Times are taken to the microsecond by
# bench/timeit.py (/usr/bin/time rounds wall time to 10 ms).
best_run() {
  local outdir=$1; shift
  local best="" line
  for _ in $(seq "$RUNS"); do
    [ -n "$outdir" ] && rm -rf "$outdir"
    line=$(python3 bench/timeit.py "${PIN[@]}" "$@" 2>&1 >/dev/null | tail -1)
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if ${line%% *} < ${best%% *} else 1)"; then
      best=$line
    fi
  done
  echo "$best"
}
