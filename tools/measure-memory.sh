#!/usr/bin/env bash
# Measures Redis bytes per pending message through the real path (HTTP -> silo -> slot grain -> Redis):
# a private redis-server and one silo, N messages with 32-character bodies scheduled into one future
# slot, then INFO memory and MEMORY USAGE. Usage: tools/measure-memory.sh [N] (default 10000).
set -euo pipefail
N=${1:-10000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RPORT=$(free_port); HPORT=$(free_port); SPORT=$(free_port); GPORT=$(free_port)
cleanup() {
  # The silo first: its graceful stop writes its departure to Redis.
  if [[ -n "${SILO:-}" ]]; then kill "$SILO" 2>/dev/null || true; wait "$SILO" 2>/dev/null || true; fi
  if [[ -n "${REDIS:-}" ]]; then kill "$REDIS" 2>/dev/null || true; wait "$REDIS" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

dotnet build -c Release "$ROOT/src/Silo" -v q -nologo >/dev/null
redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$WORK" --save '' --appendonly no >/dev/null &
REDIS=$!
until redis-cli -p "$RPORT" ping >/dev/null 2>&1; do sleep 0.1; done

Redis__ConnectionString="127.0.0.1:$RPORT" Orleans__SiloPort=$SPORT Orleans__GatewayPort=$GPORT \
  dotnet "$ROOT/src/Silo/bin/Release/net10.0/EchoAtTime.Silo.dll" --urls "http://127.0.0.1:$HPORT" \
  >"$WORK/silo.out" 2>"$WORK/silo.err" &
SILO=$!
until curl -sf "http://127.0.0.1:$HPORT/health/ready" >/dev/null; do sleep 0.2; done

# Due at the start of a minute 10 minutes ahead: every message lands in one slot and stays pending.
DUE=$(( ( $(date +%s) / 60 + 10 ) * 60000 + 30000 ))
python3 - "$N" "$DUE" >"$WORK/batches" <<'PY'
import json, sys
n, due = int(sys.argv[1]), int(sys.argv[2])
for start in range(0, n, 1000):
    print(json.dumps([{"time": due + (i % 1000), "message": f"message {i:024d}"} for i in range(start, min(n, start + 1000))]))
PY
BEFORE=$(redis-cli -p "$RPORT" info memory | awk -F: '/^used_memory:/{print $2}' | tr -d '\r')
while read -r batch; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$HPORT/echoAtTime/batch" \
    -H 'Content-Type: application/json' --data-binary "$batch")
  [[ "$code" == 202 ]] || { echo "batch answered $code" >&2; exit 1; }
done <"$WORK/batches"
AFTER=$(redis-cli -p "$RPORT" info memory | awk -F: '/^used_memory:/{print $2}' | tr -d '\r')
SLOT=$(( DUE / 60000 ))
LIST=$(redis-cli -p "$RPORT" memory usage "echo:{s:$SLOT}:l" samples 0)
LEN=$(redis-cli -p "$RPORT" llen "echo:{s:$SLOT}:l")
echo "messages scheduled:             $LEN (32-character bodies, one slot)"
echo "slot list MEMORY USAGE:         $LIST bytes = $(( LIST / LEN )) bytes/message"
echo "INFO used_memory delta:         $(( AFTER - BEFORE )) bytes = $(( (AFTER - BEFORE) / LEN )) bytes/message (includes reminder, index, Orleans membership)"

# The recommended alternative, for comparison: a ZSET of ids scored by due ms plus a HASH of bodies,
# filled with the same messages on the same server.
redis-cli -p "$RPORT" eval "
for i = 0, tonumber(ARGV[1]) - 1 do
  local id = string.format('%d-%d', tonumber(ARGV[2]) + (i % 1000), i)
  redis.call('ZADD', 'cmp:z', tonumber(ARGV[2]) + (i % 1000), id)
  redis.call('HSET', 'cmp:h', id, string.format('message %024d', i))
end
return 1" 0 "$N" "$DUE" >/dev/null
Z=$(redis-cli -p "$RPORT" memory usage cmp:z samples 0)
H=$(redis-cli -p "$RPORT" memory usage cmp:h samples 0)
echo "for comparison, ZSET+HASH:      $(( Z / N )) + $(( H / N )) = $(( (Z + H) / N )) bytes/message ($(redis-cli -p "$RPORT" object encoding cmp:z) + $(redis-cli -p "$RPORT" object encoding cmp:h))"
