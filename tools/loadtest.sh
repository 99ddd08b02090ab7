#!/usr/bin/env bash
# Load test of a running planline server with `hey` (Debian package `hey`; `apt-get install hey`).
#
#   tools/loadtest.sh [BASE_URL] [DURATION]      default http://127.0.0.1:8080, 20s per step
#
# For digits-mlp and tiny-gpt, at concurrency 1, 8 and 64: requests/s, p50 and p99 latency and
# the status codes (anything but 200 and 503 is an error and fails the run). Then an overload
# step at OVERLOAD_CONCURRENCY (default 640, 10x the largest step) checks that the server sheds
# load with 503 and that its memory stays bounded: device bytes in use return to the baseline
# and the JVM heap after the step is reported next to the one before.
# Prints a Markdown table for docs/benchmarks.md. Sends traffic to loopback addresses only.
#
# Request bodies: tools/loadtest/<model>.json. Their input names must match the model metadata
# (GET /v2/models/<model>); the script checks that first.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE="${1:-http://127.0.0.1:8080}"
DURATION="${2:-20s}"
OVERLOAD="${OVERLOAD_CONCURRENCY:-640}"
MODELS=(digits-mlp tiny-gpt)
LEVELS=(1 8 64)

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

# Reads hey's text report; prints "rps p50_ms p99_ms codes errors".
parse_hey() {
  awk '
    /Requests\/sec:/ { rps = $2 }
    /^ *50% in/ { p50 = $3 * 1000 }
    /^ *99% in/ { p99 = $3 * 1000 }
    /^Status code distribution:/ { section = "codes"; next }
    /^Error distribution:/ { section = "errors"; next }
    /^ *\[[0-9]+\]/ {
      n = $1; gsub(/[\[\]]/, "", n)
      if (section == "codes") { codes = codes (codes == "" ? "" : ",") n "x" $2; if (n != 200 && n != 503) bad += $2 }
      if (section == "errors") { bad += n }
    }
    END { printf "%.1f %.2f %.2f %s %d\n", rps, p50, p99, (codes == "" ? "-" : codes), bad + 0 }'
}

# One hey run; prints "rps p50_ms p99_ms codes errors" where errors counts statuses other than
# 200 and 503 plus transport errors.
run() {
  local model="$1" conc="$2" dur="$3" out
  out=$(hey -z "$dur" -c "$conc" -m POST -T application/json \
        -D "tools/loadtest/$model.json" "$BASE/v2/models/$model/infer")
  echo "$out" | parse_hey
}

for m in "${MODELS[@]}"; do
  want=$(curl -fsS "$BASE/v2/models/$m" | sed -E 's/.*"inputs":\[\{"name":"([^"]+)".*/\1/')
  have=$(sed -E 's/.*"inputs": ?\[\{"name": ?"([^"]+)".*/\1/' "tools/loadtest/$m.json")
  [ "$want" = "$have" ] || { echo "loadtest: $m takes input '$want', body has '$have'" >&2; exit 2; }
done

failed=0
base_in_use=$(metric 'planline_memory_in_use_bytes{device="cpu"}')
echo "| model | concurrency | requests/s | p50 ms | p99 ms | status codes |"
echo "|---|---:|---:|---:|---:|---|"
for m in "${MODELS[@]}"; do
  for c in "${LEVELS[@]}"; do
    read -r rps p50 p99 codes bad < <(run "$m" "$c" "$DURATION") || true
    echo "| $m | $c | $rps | $p50 | $p99 | ${codes} |"
    [ "${bad:-1}" = 0 ] || { echo "loadtest: $m at $c: $bad errors other than 503" >&2; failed=1; }
  done
done

heap_before=$(heap)
read -r rps p50 p99 codes bad < <(run digits-mlp "$OVERLOAD" "$DURATION") || true
sleep 2
heap_after=$(heap)
in_use=$(metric 'planline_memory_in_use_bytes{device="cpu"}')
peak=$(metric 'planline_memory_peak_bytes{device="cpu"}')
echo
echo "Overload (digits-mlp, concurrency $OVERLOAD): $rps req/s, p99 $p99 ms, codes ${codes};"
echo "device bytes in use $base_in_use before, $in_use after (peak $peak);"
echo "JVM heap $heap_before bytes before, $heap_after after."
[ "${bad:-1}" = 0 ] || { echo "loadtest: overload: $bad errors other than 503" >&2; failed=1; }
[ "$in_use" = "$base_in_use" ] || { echo "loadtest: device memory did not return to baseline" >&2; failed=1; }
exit "$failed"
