#!/usr/bin/env bash
# Flake check: the whole suite N times in a row (default 5) with CI=true, while a busy loop keeps one
# core loaded, as on a crowded CI machine. Builds Release once; stops at the first red run, keeping
# its log. Each run's log goes to $LOGS (default /tmp/echo-flake-check). The load is stopped by its
# own pid on any exit.
#   tools/flake-check.sh            # 5 runs
#   tools/flake-check.sh 2          # 2 runs
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-5}
LOGS=${LOGS:-/tmp/echo-flake-check}
mkdir -p "$LOGS"
dotnet build "$ROOT/EchoAtTime.sln" -c Release -nologo -v q

# One core busy for the whole check; stress-ng when installed, else a shell busy loop.
if command -v stress-ng >/dev/null 2>&1; then
  stress-ng --cpu 1 --quiet >/dev/null 2>&1 &
else
  sh -c 'while :; do :; done' &
fi
LOAD=$!
trap 'kill "$LOAD" 2>/dev/null || true; wait "$LOAD" 2>/dev/null || true' EXIT

for run in $(seq 1 "$RUNS"); do
  log="$LOGS/run-$run.log"
  start=$(date +%s)
  if CI=true dotnet test "$ROOT/EchoAtTime.sln" -c Release --no-build --logger "console;verbosity=normal" \
       --blame-hang-timeout 10m --blame-hang-dump-type none >"$log" 2>&1; then
    echo "run $run of $RUNS: green in $(( $(date +%s) - start )) s ($(grep -Eo 'Passed: +[0-9]+' "$log" | tail -1))"
  else
    echo "run $run of $RUNS: RED after $(( $(date +%s) - start )) s; failures:"
    grep -E '^\s+Failed |Error Message' "$log" | head -20 || true
    echo "log: $log"
    exit 1
  fi
done
echo "flake check: $RUNS of $RUNS green under one busy core (load average now $(cut -d' ' -f1 /proc/loadavg))"
