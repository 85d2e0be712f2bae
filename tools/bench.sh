#!/usr/bin/env bash
# Benchmark from a clean clone: builds the solution in Release, then runs the bench tool with the
# given options (tools/bench.sh --help lists them). Every scenario starts its own redis-server
# (appendfsync always by default) and its own silos, once with 1 silo and once with 2; the scale
# scenario runs 1, 2 and 4 silos, each in a CPU cgroup of its own (needs root). The figures table
# goes to stdout, progress to stderr, the JSON report to bench-report.json (or --report PATH), the
# scale picture next to it. Exit code 0 = every scenario ran and nothing was lost, duplicated,
# printed out of order or early.
#   tools/bench.sh                                   # all scenarios (~10 minutes)
#   tools/bench.sh --smoke                           # tiny sizes, one silo (CI, well under a minute)
#   tools/bench.sh --scenarios schedule --silos 2 --appendfsync everysec
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$ROOT/EchoAtTime.sln" -c Release -nologo -v q >&2
exec dotnet "$ROOT/tools/Drills/bin/Release/net10.0/EchoAtTime.Drills.dll" bench --config Release "$@"
