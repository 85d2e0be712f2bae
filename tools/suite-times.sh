#!/usr/bin/env bash
# Where the test command's time goes: runs the README's test command once (Release, built first) with a TRX log,
# then prints its wall and CPU time and, per test class, the wall from its first test's start to its last test's end,
# the slowest first; the classes that run alone (DisableParallelization) are the suite's tail; and the processes it
# started (silos, gateways, stores, tools) with their CPU. Compare a change with the build before it back to back (this
# machine's speed drifts). The TRX, log and samples stay in $OUT (default /tmp/echo-suite-times).
#   tools/suite-times.sh            # the top 25 classes
#   tools/suite-times.sh 60         # the top 60
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOP=${1:-25}
OUT=${OUT:-/tmp/echo-suite-times}
rm -rf "$OUT" && mkdir -p "$OUT"
dotnet build "$ROOT/EchoAtTime.sln" -c Release -nologo -v q
# The processes the suite starts, sampled twice a second (pid, kind, CPU seconds so far): where the CPU goes.
sample() {
  while :; do
    ps -eo pid=,times=,args= | awk '{k=""} /Silo\.dll/{k="silo"} /Gateway\.dll/{k="gateway"} /GarnetHost/{k="garnet"}
      /redis-server/{k="redis-server"} /Drills\.dll/{k="drills"} /Simulate\.dll/{k="simulate"}
      /testhost\.dll/{k="testhost"} k!="" {print $1, k, $2}'
    sleep 0.5
  done
}
sample >"$OUT/processes.txt" &
SAMPLER=$!
trap 'kill "$SAMPLER" 2>/dev/null || true' EXIT
TIMEFORMAT='wall %R s, cpu user %U s + sys %S s'
{ time dotnet test "$ROOT/EchoAtTime.sln" -c Release --no-build --logger "trx;LogFileName=$OUT/suite.trx" \
    --blame-hang-timeout 10m --blame-hang-dump-type none >"$OUT/suite.log" 2>&1; } 2>"$OUT/time.txt" || true
kill "$SAMPLER" 2>/dev/null || true
grep -E "^(Passed|Failed)!" "$OUT/suite.log" || tail -20 "$OUT/suite.log"
echo "test command: $(cat "$OUT/time.txt")"
# A pid whose CPU goes down is a new process under a reused pid.
awk '{ id = $1 " " $2
       if (id in last && $3 < last[id]) { n[$2]++; cpu[$2] += last[id] }
       last[id] = $3 }
     END { for (id in last) { split(id, p, " "); k = substr(id, length(p[1]) + 2); n[k]++; cpu[k] += last[id] }
           printf "%-14s %9s %9s %12s\n", "process", "started", "CPU s", "CPU s each"
           for (k in n) printf "%-14s %9d %9d %12.1f\n", k, n[k], cpu[k], cpu[k] / n[k] }' "$OUT/processes.txt"
python3 - "$OUT/suite.trx" "$TOP" <<'PY'
import sys, xml.etree.ElementTree as ET
from datetime import datetime
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
root = ET.parse(sys.argv[1]).getroot()
top = int(sys.argv[2])
classes = {t.get("id"): t.find("t:TestMethod", ns).get("className") for t in root.iter(f"{{{ns['t']}}}UnitTest")}
def when(text):
    # TRX times carry 7 fractional digits and an offset: keep microseconds.
    head, rest = text.split(".", 1)
    return datetime.fromisoformat(f"{head}.{rest[:6]}{rest[7:]}")
spans = {}
for r in root.iter(f"{{{ns['t']}}}UnitTestResult"):
    cls = classes[r.get("testId")].split(".")[-1]
    start, end = when(r.get("startTime")), when(r.get("endTime"))
    first, last, n = spans.get(cls, (start, end, 0))
    spans[cls] = (min(first, start), max(last, end), n + 1)
t0 = min(s for s, _, _ in spans.values())
t1 = max(e for _, e, _ in spans.values())
print(f"test time (first start to last end): {(t1 - t0).total_seconds():.1f} s over {len(spans)} classes")
print(f"{'class':60} {'tests':>5} {'wall s':>7} {'from s':>7} {'to s':>7}")
for cls, (s, e, n) in sorted(spans.items(), key=lambda kv: kv[1][0] - kv[1][1])[:top]:
    print(f"{cls[:60]:60} {n:5} {(e - s).total_seconds():7.1f} {(s - t0).total_seconds():7.1f} {(e - t0).total_seconds():7.1f}")
PY
