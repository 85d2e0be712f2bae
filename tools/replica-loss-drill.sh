#!/usr/bin/env bash
# Opens the asynchronous-replica window of Redis Cluster on purpose and shows what Echo:ReplicaAcks
# changes (docs/guarantees.md, "An asynchronous replica's window"). One run: a 3-master + 3-replica
# cluster on loopback (ports BASE+1..BASE+6, bus ports +10000; cluster-replica-validity-factor 0 so
# the stale replica may be promoted, as a real one after a network lag would), one silo on it with
# Echo:ReplicaAcks=ACKS; the replica of the shard holding a minute 2 minutes ahead is stopped
# (SIGSTOP), 48 MB are written to that shard so the kernel's socket buffers towards the replica are
# full and later writes stay in the master's own output buffer, one message is posted to that
# minute, the master is kill -9ed, the replica resumed and waited for until it is master and the
# cluster is ok. It prints the answer to the post, the minute's list length on the old master and
# on the promoted replica, and GET /messages/{id} afterwards. Every process is stopped by its pid.
#   tools/replica-loss-drill.sh 0          # asynchronous: 202, then 404 after the failover (lost)
#   tools/replica-loss-drill.sh 1 32400    # Echo:ReplicaAcks=1: 503, nothing acknowledged was lost
# Needs redis-server and redis-cli on PATH and a Release build (dotnet build -c Release).
set -euo pipefail
ACKS=${1:?usage: replica-loss-drill.sh ACKS [BASE_PORT]}
BASE=${2:-32100}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SILO_DLL="$ROOT/src/Silo/bin/Release/net10.0/EchoAtTime.Silo.dll"
[ -f "$SILO_DLL" ] || { echo "$SILO_DLL is not built (dotnet build -c Release)" >&2; exit 2; }
DIR=$(mktemp -d /tmp/echo-replica-loss-XXXXXX)
PIDS=()
# kill, then wait: bash reports a background job killed by a signal unless its status is collected quietly.
kill9() { { kill -CONT "$1"; kill -9 "$1"; wait "$1"; } 2>/dev/null || true; }
cleanup() { for pid in "${PIDS[@]}"; do kill9 "$pid"; done; rm -rf "$DIR"; }
trap cleanup EXIT

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: polls the command every 200 ms
  local until=$(( $(date +%s) + $1 )) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$until" ] || { echo "timed out: $what" >&2; exit 1; }
    sleep 0.2
  done
}
cluster_ok() { redis-cli -p "$1" cluster info | grep -q 'cluster_state:ok'; }
is_master() { [ "$(redis-cli -p "$1" role | head -1)" = master ] && cluster_ok "$1"; }

declare -A PID_OF
for i in 1 2 3 4 5 6; do
  port=$((BASE + i)); mkdir -p "$DIR/$port"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$DIR/$port" --appendonly yes --appendfsync always --save "" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 --cluster-replica-validity-factor 0 \
    --logfile "$DIR/$port/redis.log" &
  PID_OF[$port]=$!; PIDS+=($!)
done
for i in 1 2 3 4 5 6; do wait_for 10 "redis on $((BASE + i))" redis-cli -p $((BASE + i)) ping; done
redis-cli --cluster create $(for i in 1 2 3 4 5 6; do echo "127.0.0.1:$((BASE + i))"; done) --cluster-replicas 1 --cluster-yes >/dev/null
wait_for 30 "cluster_state:ok" cluster_ok $((BASE + 1))

NODES=$(for i in 1 2 3 4 5 6; do printf '127.0.0.1:%s,' $((BASE + i)); done)
env Redis__ConnectionString="${NODES}abortConnect=false" Orleans__ClusterId="replica-loss-$$" \
  Orleans__SiloPort=$((BASE + 7)) Orleans__GatewayPort=$((BASE + 8)) Echo__Output=json Echo__ReplicaAcks="$ACKS" \
  dotnet "$SILO_DLL" --urls "http://127.0.0.1:$((BASE + 9))" >"$DIR/silo.out" 2>"$DIR/silo.err" &
PIDS+=($!)
API="http://127.0.0.1:$((BASE + 9))"
wait_for 60 "the silo's readiness" curl -sf "$API/health/ready"

DUE=$(( ($(date +%s) + 120) * 1000 )); MINUTE=$((DUE / 60000)); KEY="echo:{s:$MINUTE}:l"
SLOT=$(redis-cli -p $((BASE + 1)) cluster keyslot "$KEY")
read -r MASTER MASTER_ID < <(redis-cli -p $((BASE + 1)) cluster nodes | awk -v s="$SLOT" '$3 ~ /master/ {
  for (i = 9; i <= NF; i++) { n = split($i, r, "-"); hi = n > 1 ? r[2] : r[1]; if (s >= r[1] && s <= hi) { split($2, a, "[:@]"); print a[2], $1 } } }')
REPLICA=$(redis-cli -p $((BASE + 1)) cluster nodes | awk -v m="$MASTER_ID" '$4 == m { split($2, a, "[:@]"); print a[2] }')
echo "Echo:ReplicaAcks=$ACKS; minute $MINUTE (hash slot $SLOT) on master :$MASTER, its replica :$REPLICA"

kill -STOP "${PID_OF[$REPLICA]}"
for j in $(seq 1 48); do
  redis-cli -p "$MASTER" eval "redis.call('set', KEYS[1], string.rep('x', 1048576))" 1 "{s:$MINUTE}:filler:$j" >/dev/null
done
STATUS=$(curl -s -m 10 -o "$DIR/answer" -w '%{http_code}' -X POST "$API/echoAtTime" -H 'content-type: application/json' \
  -d "{\"time\":$DUE,\"message\":\"posted while the replica lags\"}")
echo "POST while the replica lags: $STATUS $(cat "$DIR/answer")"
echo "the minute's list on the master: $(redis-cli -p "$MASTER" llen "$KEY") element(s)"

kill9 "${PID_OF[$MASTER]}"; kill -CONT "${PID_OF[$REPLICA]}"
started=$(date +%s%N)
wait_for 60 "the replica's promotion" is_master "$REPLICA"
echo "replica :$REPLICA promoted after $(( ($(date +%s%N) - started) / 1000000 )) ms; the minute's list there: $(redis-cli -p "$REPLICA" llen "$KEY") element(s)"
ID=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$DIR/answer")
if [ -n "$ID" ]; then
  echo "GET /messages/$ID after the failover: $(curl -s -m 10 -o /dev/null -w '%{http_code}' "$API/messages/$ID")"
fi
