#!/usr/bin/env bash
# Steps one silo's wall clock while it prints and counts what printed early, judged by one clock: this
# machine's, which is the store's (docs/guarantees.md §4). One run: a redis-server and two silos on
# loopback (JSON output); silo A runs under libfaketime (its wall clock read from a timestamp file,
# its monotonic clock left alone: FAKETIME_DONT_FAKE_MONOTONIC=1), silo B does not. 600 messages due
# 100 ms apart over a minute are posted (to silo A, so it prints them, or to a gateway), and 10 s into
# their due times silo A's wall clock steps by STEP. Each printed line is stamped by a reader on this
# machine's clock as it arrives; a line stamped before its dueAt printed early.
#   tools/clock-step-drill.sh +3               # silo A's clock steps 3 s ahead
#   tools/clock-step-drill.sh -3 33100         # 3 s back, other ports
#   tools/clock-step-drill.sh +3 33200 gateway # posted through a gateway
# Prints: lines, distinct messages, early lines and the worst, by silo, and how each silo ended.
# Needs redis-server, libfaketime (Debian: apt-get install faketime) and a Release build.
set -euo pipefail
STEP=${1:?usage: clock-step-drill.sh STEP_SECONDS [BASE_PORT] [gateway]}
BASE=${2:-33000}
VIA=${3:-silo}
COUNT=600
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/src/%s/bin/Release/net10.0/EchoAtTime.%s.dll"
SILO_DLL=$(printf "$BIN" Silo Silo)
GATEWAY_DLL=$(printf "$BIN" Gateway Gateway)
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1 || true)
[ -f "$SILO_DLL" ] || { echo "$SILO_DLL is not built (dotnet build -c Release)" >&2; exit 2; }
[ -n "$FAKETIME_LIB" ] || { echo "libfaketime is not installed (apt-get install faketime): no clock step possible" >&2; exit 2; }
DIR=$(mktemp -d /tmp/echo-clock-step-XXXXXX)
PIDS=()
stop() { { kill -9 "$1"; wait "$1"; } 2>/dev/null || true; }
cleanup() { for pid in "${PIDS[@]}"; do stop "$pid"; done; rm -rf "$DIR"; }
trap cleanup EXIT

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: polls the command every 200 ms; 1 on timeout
  local until=$(( $(date +%s) + $1 )) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$until" ] || { echo "timed out: $what" >&2; return 1; }
    sleep 0.2
  done
}
ready() { curl -sf "http://127.0.0.1:$1/health/ready"; }
# Stamps each stdout line with this machine's clock (ms) as it arrives.
stamp() { perl -MTime::HiRes=time -ne 'BEGIN { $| = 1 } printf "%d %s", time() * 1000, $_'; }

REDIS=$((BASE + 1))
redis-server --port "$REDIS" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync always --dir "$DIR" \
  > "$DIR/redis.log" 2>&1 &
PIDS+=($!)
wait_for 10 "redis-server" redis-cli -p "$REDIS" ping || exit 1

echo "+0" > "$DIR/faketime"
common=(Redis__ConnectionString="127.0.0.1:$REDIS" Orleans__ClusterId="clock-step-$$" Echo__Output=json)
declare -A SILO_PID
start_silo() { # start_silo NAME INDEX [faked]
  local http=$((BASE + 10 + $2)) env=("${common[@]}" Orleans__SiloPort=$((BASE + 20 + $2)) Orleans__GatewayPort=$((BASE + 30 + $2)))
  if [ "${3:-}" = faked ]; then
    env+=(LD_PRELOAD="$FAKETIME_LIB" FAKETIME_TIMESTAMP_FILE="$DIR/faketime" FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_CACHE_DURATION=1)
  fi
  mkfifo "$DIR/$1.fifo"
  stamp < "$DIR/$1.fifo" > "$DIR/$1.out" &
  PIDS+=($!)
  env "${env[@]}" dotnet "$SILO_DLL" --urls "http://127.0.0.1:$http" > "$DIR/$1.fifo" 2> "$DIR/$1.err" &
  SILO_PID[$1]=$!
  PIDS+=($!)
  wait_for 60 "silo $1" ready "$http" || { tail -5 "$DIR/$1.err" >&2; exit 1; }
}
start_silo A 1 faked
start_silo B 2
TARGET=$((BASE + 11)) # silo A: the minutes activate where their first notice comes from (PreferLocalPlacement)
if [ "$VIA" = gateway ]; then
  TARGET=$((BASE + 13))
  env "${common[@]}" dotnet "$GATEWAY_DLL" --urls "http://127.0.0.1:$TARGET" > /dev/null 2> "$DIR/gateway.err" &
  PIDS+=($!)
  wait_for 60 "gateway" ready "$TARGET" || exit 1
fi

FIRST=$(( $(date +%s%3N) + 5000 ))
TAG="step$$"
perl -e 'my ($first, $count, $tag) = @ARGV; print "[", join(",", map { sprintf "{\"time\":%d,\"message\":\"%s %04d\"}", $first + $_ * 100, $tag, $_ } 0 .. $count - 1), "]"' \
  "$FIRST" "$COUNT" "$TAG" > "$DIR/batch.json"
status=$(curl -s -o "$DIR/posted.json" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$DIR/batch.json" \
  "http://127.0.0.1:$TARGET/echoAtTime/batch")
[ "$status" = 202 ] || { echo "the batch answered $status: $(cat "$DIR/posted.json")" >&2; exit 1; }

# 10 s into the due times, silo A's wall clock steps; its monotonic clock does not.
sleep $(( (FIRST + 10000 - $(date +%s%3N)) / 1000 ))
echo "${STEP}s" > "$DIR/faketime"
echo "silo A's wall clock stepped ${STEP} s at $(date -u +%H:%M:%S.%3N)"

printed() { cat "$DIR"/A.out "$DIR"/B.out 2>/dev/null | grep -o "\"$TAG [0-9]*\"" | sort -u | wc -l; }
printed_all() { [ "$(printed)" -ge "$COUNT" ]; }
wait_for 120 "all $COUNT messages printed" printed_all || true

for silo in A B; do
  perl -ne 'BEGIN { ($lines, $early, $worst) = (0, 0, 0) }
    next unless /^(\d+) (.*"dueAt":"([^"]+)".*"message":"'"$TAG"' \d+".*)$/;
    ($at, $due) = ($1, $3); $lines++;
    ($y, $mo, $d, $h, $mi, $s, $ms) = $due =~ /(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d+)Z/;
    use Time::Local; $dueMs = timegm($s, $mi, $h, $d, $mo - 1, $y) * 1000 + $ms;
    if ($at < $dueMs) { $early++; $worst = $dueMs - $at if $dueMs - $at > $worst }
    END { printf "silo '"$silo"': %d lines, %d early (worst %d ms)\n", $lines, $early, $worst }' "$DIR/$silo.out"
  if kill -0 "${SILO_PID[$silo]}" 2>/dev/null; then echo "silo $silo still running"; else
    code=0; wait "${SILO_PID[$silo]}" || code=$?; echo "silo $silo exited with code $code"; fi
done
echo "distinct messages printed: $(printed) of $COUNT"
grep -h "stepped\|Clock out of bound\|crit\|fail" "$DIR"/A.err | cut -c1-220 | head -5 || true
