#!/usr/bin/env bash
# planline against issue 17's comparison server (FastAPI + uvicorn with uvloop and httptools, two
# workers, ONNX Runtime with the built-in models' own ONNX files: tools/loadtest/compare_server.py)
# on the same machine, in one run, driven by `hey` with the same JSON bodies:
#
#   tools/loadtest-compare.sh [DURATION]       default 10s per measurement
#
# Starts both servers on loopback ports (PORT, default 18080, and PEER_PORT, 18091): planline as
# the README starts it (target/planline.jar, default configuration, 1 GiB heap), the peer with
# `python3 -m uvicorn`. Cases are loadtest.sh's default (CASES, "MODEL:BODY:CONCURRENCY"):
# digits-mlp [1,64] at 1, 8, 64 and tiny-gpt [1,64] at 1 and 8. Per case a warm-up of each
# server (WARMUP, 20s: planline's JIT takes 15-25 s under load to reach full speed; with 5 s its
# first round was a fifth of the others), then ROUNDS (3) rounds of planline then the peer,
# alternating so that load from elsewhere falls on both alike; prints the machine, date and
# load, then a Markdown table of medians (requests/s, p50, p99) and planline's requests/s over
# the peer's. Each round's figures go to stderr. Needs: hey (apt), and for the peer `pip install
# fastapi uvicorn uvloop httptools onnxruntime`.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/loadtest/lib.sh

DURATION="${1:-10s}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-20s}"
PORT="${PORT:-18080}"
PEER_PORT="${PEER_PORT:-18091}"
JAR=target/planline.jar
read -r -a CASES <<< "${CASES:-digits-mlp:digits-mlp:1 digits-mlp:digits-mlp:8 digits-mlp:digits-mlp:64 tiny-gpt:tiny-gpt-64:1 tiny-gpt:tiny-gpt-64:8}"
command -v hey >/dev/null || { echo "loadtest-compare: hey is not installed (apt-get install hey)" >&2; exit 2; }
[ -f "$JAR" ] || { echo "loadtest-compare: build $JAR first (mvn -B -q package -DskipTests)" >&2; exit 2; }
python3 -c 'import fastapi, uvicorn, uvloop, httptools, onnxruntime' 2>/dev/null || {
  echo "loadtest-compare: the peer needs pip install fastapi uvicorn uvloop httptools onnxruntime" >&2; exit 2; }

java -Xms1g -Xmx1g -jar "$JAR" --micronaut.server.port="$PORT" >/tmp/planline-compare.log 2>&1 &
server=$!
python3 -m uvicorn --app-dir tools/loadtest compare_server:app --host 127.0.0.1 \
  --port "$PEER_PORT" --workers 2 --loop uvloop --http httptools --log-level warning \
  >/tmp/planline-compare-peer.log 2>&1 &
peer=$!
trap 'kill "$server" "$peer" 2>/dev/null; wait "$server" "$peer" 2>/dev/null || true' EXIT
wait_ready "http://127.0.0.1:$PORT/v2/health/ready" || { echo "planline did not start" >&2; exit 1; }
wait_ready "http://127.0.0.1:$PEER_PORT/v2/models/digits-mlp" || { echo "the peer did not start" >&2; exit 1; }

hey_run() { # port model body concurrency duration -> "rps p50 p99 codes errors"
  hey -z "$5" -c "$4" -m POST -T application/json -D "tools/loadtest/$3.json" \
    "http://127.0.0.1:$1/v2/models/$2/infer" | parse_hey
}
shape() { sed -E 's/.*"shape": ?\[([0-9, ]+)\].*/[\1]/; s/ //g' "tools/loadtest/$1.json"; }

machine_line
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "planline: $JAR, default configuration; peer: FastAPI $(python3 -c 'import fastapi; print(fastapi.__version__)')," \
  "uvicorn $(python3 -c 'import uvicorn; print(uvicorn.__version__)') (2 workers, uvloop, httptools)," \
  "ONNX Runtime $(python3 -c 'import onnxruntime; print(onnxruntime.__version__)') (1 thread per worker)"
echo
echo "| model | input | concurrency | planline req/s | p50 ms | p99 ms | peer req/s | p50 ms | p99 ms | planline / peer |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
failed=0
for c in "${CASES[@]}"; do
  IFS=: read -r model body conc <<< "$c"
  hey_run "$PORT" "$model" "$body" "$conc" "$WARMUP" >/dev/null
  hey_run "$PEER_PORT" "$model" "$body" "$conc" "$WARMUP" >/dev/null
  : >/tmp/planline-compare-a; : >/tmp/planline-compare-b
  for _ in $(seq 1 "$ROUNDS"); do
    hey_run "$PORT" "$model" "$body" "$conc" "$DURATION" >>/tmp/planline-compare-a
    hey_run "$PEER_PORT" "$model" "$body" "$conc" "$DURATION" >>/tmp/planline-compare-b
  done
  col() { awk -v c="$2" '{ print $c }' "$1" | median; }
  a=$(col /tmp/planline-compare-a 1); b=$(col /tmp/planline-compare-b 1)
  awk -v m="$model" -v s="$(shape "$body")" -v c="$conc" -v a="$a" -v b="$b" \
      -v ap50="$(col /tmp/planline-compare-a 2)" -v ap99="$(col /tmp/planline-compare-a 3)" \
      -v bp50="$(col /tmp/planline-compare-b 2)" -v bp99="$(col /tmp/planline-compare-b 3)" 'BEGIN {
    printf "| %s | %s | %s | %.1f | %.2f | %.2f | %.1f | %.2f | %.2f | %.2fx |\n",
      m, s, c, a, ap50, ap99, b, bp50, bp99, (b > 0 ? a / b : 0) }'
  echo "  $model c=$conc rounds (rps p50 p99 codes errors), planline: $(tr '\n' ';' </tmp/planline-compare-a) peer: $(tr '\n' ';' </tmp/planline-compare-b)" >&2
  bad=$(awk '{ s += $5 } END { print s + 0 }' /tmp/planline-compare-a /tmp/planline-compare-b)
  [ "$bad" = 0 ] || { echo "loadtest-compare: $model at $conc: $bad errors" >&2; failed=1; }
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$failed"
