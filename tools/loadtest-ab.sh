#!/usr/bin/env bash
# Two builds of planline against each other on one request, alternating, with `hey`:
#
#   tools/loadtest-ab.sh OLD.jar NEW.jar [MODEL] [BODY.json] [CONCURRENCY]
#
# defaults tiny-gpt, tools/loadtest/tiny-gpt-64.json, 1. Starts both (1 GiB heap, default
# configuration) on loopback ports PORT_A / PORT_B (18081 / 18082), warms each up (WARMUP, 5s),
# then runs ROUNDS (3) rounds of DURATION (6s) each, OLD then NEW, and prints each round and the
# medians (requests/s, p50 ms, p99 ms). Every hey run holds LOCK (/tmp/planline-bench.lock), so
# it never times while another benchmark that takes the same lock runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/loadtest/lib.sh

[ $# -ge 2 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
A="$1" B="$2" MODEL="${3:-tiny-gpt}" BODY="${4:-tools/loadtest/tiny-gpt-64.json}" CONC="${5:-1}"
ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-6s}" WARMUP="${WARMUP:-5s}"
PORT_A="${PORT_A:-18081}" PORT_B="${PORT_B:-18082}" LOCK="${LOCK:-/tmp/planline-bench.lock}"

java -Xms1g -Xmx1g -jar "$A" --micronaut.server.port="$PORT_A" --grpc.server.port=18091 \
  >/tmp/planline-ab-a.log 2>&1 &
a=$!
java -Xms1g -Xmx1g -jar "$B" --micronaut.server.port="$PORT_B" --grpc.server.port=18092 \
  >/tmp/planline-ab-b.log 2>&1 &
b=$!
trap 'kill "$a" "$b" 2>/dev/null; wait "$a" "$b" 2>/dev/null || true' EXIT
wait_ready "http://127.0.0.1:$PORT_A/v2/health/ready"
wait_ready "http://127.0.0.1:$PORT_B/v2/health/ready"

run() { # port duration -> "rps p50 p99 codes errors"
  flock "$LOCK" hey -z "$2" -c "$CONC" -m POST -T application/json -D "$BODY" \
    "http://127.0.0.1:$1/v2/models/$MODEL/infer" | parse_hey
}

machine_line
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "request: $MODEL, $BODY, concurrency $CONC; $ROUNDS rounds of $DURATION after $WARMUP warm-up"
run "$PORT_A" "$WARMUP" >/dev/null
run "$PORT_B" "$WARMUP" >/dev/null
: > /tmp/planline-ab-rounds
for r in $(seq 1 "$ROUNDS"); do
  echo "A $(run "$PORT_A" "$DURATION")" | tee -a /tmp/planline-ab-rounds
  echo "B $(run "$PORT_B" "$DURATION")" | tee -a /tmp/planline-ab-rounds
done
for side in A B; do
  med() { awk -v s="$side" -v f="$1" '$1 == s { print $f }' /tmp/planline-ab-rounds | median; }
  echo "$side median: $(med 2) req/s, p50 $(med 3) ms, p99 $(med 4) ms"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
