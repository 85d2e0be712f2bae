#!/usr/bin/env bash
# BullMQ's delayed add on this machine, beside the bench's single POST: starts a redis-server without persistence on
# a free port (127.0.0.1, a directory of its own), installs tools/Peer's pinned packages (npm ci) and runs
# tools/Peer/bullmq-add.mjs against it (64 adds in flight, 2 s warm-up + SECONDS, default 10), then stops that Redis
# by its pid. Compare with: tools/bench.sh --scenarios schedule.single,http.floor --silos 1 --appendfsync off
#   tools/peer-bench.sh            # one run
#   tools/peer-bench.sh 20         # 20 s measured
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_MEASURED=${1:-10}
DIR=$(mktemp -d /tmp/echo-peer.XXXXXX)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$DIR" --appendonly no --save '' --logfile "$DIR/redis.log" &
REDIS_PID=$!
trap 'kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null; rm -rf "$DIR"' EXIT
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do
  kill -0 "$REDIS_PID" || { cat "$DIR/redis.log" >&2; exit 1; }
  sleep 0.1
done
(cd "$ROOT/tools/Peer" && npm ci --no-audit --no-fund --loglevel=error >&2)
echo "redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') without persistence, $(nproc) cores"
node "$ROOT/tools/Peer/bullmq-add.mjs" --port "$PORT" --seconds "$SECONDS_MEASURED"
