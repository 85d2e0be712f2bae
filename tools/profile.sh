#!/usr/bin/env bash
# CPU profile of a running silo by where its time goes (kernel, Kestrel, Orleans, Redis client, our
# code, runtime), sampled with perf. Managed symbols need DOTNET_PerfMapEnabled=1 and
# DOTNET_EnableWriteXorExecute=0 (perf cannot read double-mapped code) in the silo; the
# bench passes its environment on to its silos, so under load:
#   DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 tools/bench.sh --scenarios schedule.single --silos 1 --duration 30 &
#   tools/profile.sh "$(pgrep -n -f EchoAtTime.Silo.dll)" 8      # once the run says it is measuring
#   tools/profile.sh <silo pid> [seconds=8]     # needs perf (apt-get install linux-perf)
set -euo pipefail
pid=${1:?usage: tools/profile.sh <silo pid> [seconds]}
seconds=${2:-8}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
perf record -q -F 999 -g -p "$pid" -o "$out/perf.data" -- sleep "$seconds" >/dev/null 2>&1
perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null \
  | awk '/^ +[0-9.]+%/ {
      pct = $0; sub(/%.*/, "", pct); pct += 0
      line = $0
      if      (line ~ /\[kernel/)                                        cat = "kernel (TCP, epoll, scheduler, futex)"
      else if (line ~ /\[EchoAtTime\./)                                  cat = "EchoAtTime (our code)"
      else if (line ~ /\[Orleans|\[Microsoft\.Orleans/)                  cat = "Orleans"
      else if (line ~ /\[StackExchange\.Redis|\[Pipelines\.Sockets/)     cat = "StackExchange.Redis"
      else if (line ~ /\[Microsoft\.AspNetCore|\[Microsoft\.Extensions/) cat = "ASP.NET Core + Kestrel"
      else if (line ~ /\[System\.Text\.Json/)                            cat = "System.Text.Json"
      else if (line ~ /\[System\.Net|libSystem\.Native/)                 cat = "System.Net (sockets)"
      else if (line ~ /\[System\.Private\.CoreLib|\[System\.Collections|\[System\.IO\.Pipelines|\[System\.Linq|\[System\.Runtime/) cat = ".NET base library (async, thread pool)"
      else if (line ~ /libcoreclr|libclrjit|stub /)                      cat = ".NET runtime (GC, JIT, stubs)"
      else if (line ~ /libc\.so|ld-linux/)                               cat = "libc"
      else                                                               cat = "other / unresolved"
      share[cat] += pct; total += pct
    }
    END { for (k in share) printf "%6.1f%%  %s\n", share[k], k }' \
  | sort -rn
