#!/usr/bin/env bash
# A change against the build before it, back to back: builds a git worktree of BASE (default HEAD~1) and
# this tree in Release, then runs the bench RUNS times each (default 4), interleaved A B B A A B B A — this
# machine's speed drifts by tens of percent within an hour, so only ratios taken this way mean anything, and
# the side that runs second in a pair came out up to 1.4x faster with the same code (http.floor, twice): the
# order alternates so that neither side always has it. Thread-pool work items and bytes per request hardly
# drift; CPU and rates need every run.
# Each run's table goes to $LOGS (default /tmp/echo-bench-ab); the figures named by FIGURES (the bench
# table's row labels, a regex) are printed per run, A for BASE and B for this tree, then each figure's
# median per side and the ratio B/A.
#   tools/bench-ab.sh                                    # HEAD~1 against this tree, single + floor
#   tools/bench-ab.sh 6bfdb35 --scenarios schedule.batch --silos 1 --duration 10
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE=${1:-HEAD~1}
shift || true
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--scenarios schedule.single,http.floor --silos 1 --duration 10)
RUNS=${RUNS:-4}
LOGS=${LOGS:-/tmp/echo-bench-ab}
FIGURES=${FIGURES:-'requests/s|messages/s|silo CPU µs|silo bytes allocated|work items|redis usec'}
mkdir -p "$LOGS"
WORKTREE=$(mktemp -d /tmp/echo-bench-base.XXXXXX)
trap 'git -C "$ROOT" worktree remove --force "$WORKTREE" >/dev/null 2>&1 || true' EXIT
git -C "$ROOT" worktree add --detach -q "$WORKTREE" "$BASE"
for tree in "$WORKTREE" "$ROOT"; do
  dotnet build "$tree/EchoAtTime.sln" -c Release -nologo -v q >&2
done

for run in $(seq 1 "$RUNS"); do
  order="A B"
  [ $((run % 2)) -eq 0 ] && order="B A"
  for side in $order; do
    tree=$([ "$side" = A ] && echo "$WORKTREE" || echo "$ROOT")
    log="$LOGS/$side$run.txt"
    dotnet "$tree/tools/Drills/bin/Release/net10.0/EchoAtTime.Drills.dll" bench --config Release \
      --report "$LOGS/$side$run.json" "${ARGS[@]}" >"$log" 2>"$LOGS/$side$run.err"
    echo "== $side run $run ($(git -C "$tree" rev-parse --short HEAD))"
    grep -E "^[a-z.]+ |$FIGURES" "$log" | sed 's/^/  /'
  done
done

# Medians per side of every figure row (scenario and label), and the ratio B/A.
echo "== medians of $RUNS runs (A = $BASE, B = this tree)"
for side in A B; do
  for run in $(seq 1 "$RUNS"); do
    awk -v side="$side" -v figures="$FIGURES" '/^[a-z.]+ / {s = $1} $0 ~ figures {v = $NF; gsub(",", "", v); label = $0; sub(/ +[-0-9.,]+$/, "", label); sub(/^ +/, "", label); print side "\t" s ": " label "\t" v}' "$LOGS/$side$run.txt"
  done
done | sort -t$'\t' -k2,2 -k1,1 -k3,3g | awk -F'\t' '
  { key = $2; vals[key, $1, ++n[key, $1]] = $3; keys[key] = 1 }
  function median(k, s,   c) { c = n[k, s]; return c == 0 ? 0 : (c % 2 ? vals[k, s, (c + 1) / 2] : (vals[k, s, c / 2] + vals[k, s, c / 2 + 1]) / 2) }
  END { for (k in keys) { a = median(k, "A"); b = median(k, "B"); printf "  %-60s A %10.1f  B %10.1f  B/A %.2f\n", k, a, b, a == 0 ? 0 : b / a } }' | sort
