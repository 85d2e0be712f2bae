#!/usr/bin/env bash
# Chaos run from a clean clone: builds the solution in Release, then runs the chaos tool with the
# given options (tools/chaos.sh --help lists them). The figures table goes to stdout, progress to
# stderr, the JSON report to chaos-report.json (or --report PATH). Exit code 0 = invariants held.
#   tools/chaos.sh                                          # 3 silos + gateway, 50 000 messages over 180 s, kill -9 every 10 s
#   tools/chaos.sh --messages 10000 --duration 60           # the short run
#   tools/chaos.sh --redis-restart-every 30 --appendfsync everysec
#   tools/chaos.sh --messages 3000 --duration 30 --store-faults 3   # also a Redis reply drop or delay into a silo every 3 s
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$ROOT/EchoAtTime.sln" -c Release -nologo -v q >&2
exec dotnet "$ROOT/tools/Drills/bin/Release/net10.0/EchoAtTime.Drills.dll" chaos --config Release "$@"
