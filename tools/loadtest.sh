#!/usr/bin/env bash
# Load test of a running planline server with `hey` (Debian package `hey`; `apt-get install hey`).
#
#   tools/loadtest.sh [--json] [BASE_URL] [DURATION]   default http://127.0.0.1:8080, 20s per step
#
# Each case of CASES ("MODEL:BODY:CONCURRENCY", BODY a file tools/loadtest/BODY.json; default:
# digits-mlp [1,64] at 1, 8 and 64, tiny-gpt [1,64] at 1 and 8 — issue 17's table — and tiny-gpt
# [1,16] at 64): requests/s, p50 and p99 latency and the status codes (anything but 200 and 503
# is an error and fails the run). --json prints one JSON object per case (model, body, input
# shape, concurrency, rps, p50_ms, p99_ms, codes) instead of the Markdown table. Then an overload
# step at OVERLOAD_CONCURRENCY (default 640, 10x the largest step) checks that the server sheds
# load with 503 and that its memory stays bounded: device bytes in use return to the baseline
# and the JVM heap after the step is reported next to the one before.
# Prints a Markdown table for docs/benchmarks.md. Sends traffic to loopback addresses only.
#
# Request bodies: tools/loadtest/<model>.json. Their input names must match the model metadata
# (GET /v2/models/<model>); the script checks that first.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/loadtest/lib.sh

JSON=0
if [ "${1:-}" = "--json" ]; then JSON=1; shift; fi
BASE="${1:-http://127.0.0.1:8080}"
DURATION="${2:-20s}"
OVERLOAD="${OVERLOAD_CONCURRENCY:-640}"
read -r -a CASES <<< "${CASES:-digits-mlp:digits-mlp:1 digits-mlp:digits-mlp:8 digits-mlp:digits-mlp:64 tiny-gpt:tiny-gpt-64:1 tiny-gpt:tiny-gpt-64:8 tiny-gpt:tiny-gpt:64}"

case "$BASE" in
  http://127.*|http://localhost*|http://\[::1\]*) ;;
  *) echo "loadtest: only loopback targets are allowed, got $BASE" >&2; exit 2 ;;
esac
command -v hey >/dev/null || { echo "loadtest: hey is not installed (apt-get install hey)" >&2; exit 2; }
command -v curl >/dev/null || { echo "loadtest: curl is not installed" >&2; exit 2; }

metric() { # metric NAME_WITH_LABELS -> value (0 when absent)
  curl -fsS "$BASE/prometheus" | awk -v m="$1" '$1 == m { v = $2 } END { print (v == "" ? 0 : v) }'
}
heap() {
  curl -fsS "$BASE/prometheus" | awk 'index($0, "jvm_memory_used_bytes{area=\"heap\"") == 1 { s += $NF } END { printf "%.0f", s }'
}

# One hey run; prints "rps p50_ms p99_ms codes errors" where errors counts statuses other than
# 200 and 503 plus transport errors.
run() {
  local model="$1" body="$2" conc="$3" dur="$4" out
  out=$(hey -z "$dur" -c "$conc" -m POST -T application/json \
        -D "tools/loadtest/$body.json" "$BASE/v2/models/$model/infer")
  echo "$out" | parse_hey
}

shape() { # the first input's shape in a body file, e.g. [1,64]
  sed -E 's/.*"shape": ?\[([0-9, ]+)\].*/[\1]/; s/ //g' "tools/loadtest/$1.json"
}

for c in "${CASES[@]}"; do
  IFS=: read -r m body _ <<< "$c"
  want=$(curl -fsS "$BASE/v2/models/$m" | sed -E 's/.*"inputs":\[\{"name":"([^"]+)".*/\1/')
  have=$(sed -E 's/.*"inputs": ?\[\{"name": ?"([^"]+)".*/\1/' "tools/loadtest/$body.json")
  [ "$want" = "$have" ] || { echo "loadtest: $m takes input '$want', $body.json has '$have'" >&2; exit 2; }
done

failed=0
base_in_use=$(metric 'planline_memory_in_use_bytes{device="cpu"}')
if [ $JSON = 0 ]; then
  echo "| model | input | concurrency | requests/s | p50 ms | p99 ms | status codes |"
  echo "|---|---|---:|---:|---:|---:|---|"
fi
for c in "${CASES[@]}"; do
  IFS=: read -r m body conc <<< "$c"
  read -r rps p50 p99 codes bad < <(run "$m" "$body" "$conc" "$DURATION") || true
  if [ $JSON = 1 ]; then
    printf '{"model": "%s", "body": "%s", "input": "%s", "concurrency": %s, "rps": %s, "p50_ms": %s, "p99_ms": %s, "codes": "%s"}\n' \
      "$m" "$body" "$(shape "$body")" "$conc" "${rps:-0}" "${p50:-0}" "${p99:-0}" "${codes:--}"
  else
    echo "| $m | $(shape "$body") | $conc | $rps | $p50 | $p99 | ${codes} |"
  fi
  [ "${bad:-1}" = 0 ] || { echo "loadtest: $m at $conc: $bad errors other than 503" >&2; failed=1; }
done

heap_before=$(heap)
read -r rps p50 p99 codes bad < <(run digits-mlp digits-mlp "$OVERLOAD" "$DURATION") || true
sleep 2
heap_after=$(heap)
in_use=$(metric 'planline_memory_in_use_bytes{device="cpu"}')
peak=$(metric 'planline_memory_peak_bytes{device="cpu"}')
if [ $JSON = 1 ]; then
  printf '{"overload": true, "model": "digits-mlp", "concurrency": %s, "rps": %s, "p99_ms": %s, "codes": "%s", "device_bytes_before": %s, "device_bytes_after": %s, "heap_before": %s, "heap_after": %s}\n' \
    "$OVERLOAD" "${rps:-0}" "${p99:-0}" "${codes:--}" "$base_in_use" "$in_use" "$heap_before" "$heap_after"
else
  echo
  echo "Overload (digits-mlp, concurrency $OVERLOAD): $rps req/s, p99 $p99 ms, codes ${codes};"
  echo "device bytes in use $base_in_use before, $in_use after (peak $peak);"
  echo "JVM heap $heap_before bytes before, $heap_after after."
fi
[ "${bad:-1}" = 0 ] || { echo "loadtest: overload: $bad errors other than 503" >&2; failed=1; }
[ "$in_use" = "$base_in_use" ] || { echo "loadtest: device memory did not return to baseline" >&2; failed=1; }
exit "$failed"
