#!/usr/bin/env bash
# The slot protocol's simulator from a clean clone: builds it in Release, then runs schedules against a
# store of its own (tools/Simulate/README.md). The last line is "schedules=N violations=V seconds=T";
# exit code 0 = no violation.
#   tools/simulate.sh --schedules 20000                      # redis-server when on PATH, else Garnet; every fault
#   tools/simulate.sh --schedules 20000 --store garnet
#   tools/simulate.sh --schedules 5000 --faults reply,crash  # only these faults
#   tools/simulate.sh --seed 8BZgcw0mcuZ1 --faults all --trace   # replay one schedule, step by step
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$ROOT/tools/Simulate/Simulate.csproj" -c Release -nologo -v q >&2
dotnet build "$ROOT/tests/EchoAtTime.GarnetHost/EchoAtTime.GarnetHost.csproj" -c Release -nologo -v q >&2
exec dotnet "$ROOT/tools/Simulate/bin/Release/net10.0/EchoAtTime.Simulate.dll" "$@"
