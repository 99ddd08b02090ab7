#!/usr/bin/env bash
# Soak test: starts planline on a loopback port, warms it up, then for DURATION seconds (default
# 600, at most MAX_REQUESTS requests) sends a seeded mix of good, malformed, oversized, cancelled
# and slow-reading requests over every built-in model and many input shapes
# (tools/soak_client.py), and finally stops it with SIGTERM.
#
#   tools/soak.sh [DURATION_SECONDS] [PORT]     env: MAX_REQUESTS (200000), CLIENTS (3),
#                                                    WARMUP_SECONDS (60), XMX (256m)
#
# Prints requests by kind and answer, device bytes in use at the end (0 expected), old-generation
# heap after a full GC, RSS and open file descriptors after warm-up and at the end, and the exit
# status of the drain. Fails when device memory is not back to 0, when heap or RSS grew by more
# than 10% over the soak, or when the server does not exit 0. Needs target/planline.jar, jcmd,
# jstat, curl and python3. Everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-600}"
PORT="${2:-18080}"
MAX_REQUESTS="${MAX_REQUESTS:-200000}"
CLIENTS="${CLIENTS:-3}"
WARMUP="${WARMUP_SECONDS:-60}"
XMX="${XMX:-256m}"
BASE="http://127.0.0.1:$PORT"
for tool in java jcmd jstat curl python3; do
  command -v "$tool" >/dev/null || { echo "soak: $tool is not installed" >&2; exit 2; }
done
[ -f target/planline.jar ] || { echo "soak: build first (mvn -B -q package -DskipTests)" >&2; exit 2; }

LOG="$(mktemp -t planline-soak.XXXXXX)"
# Small body limit so that oversized bodies are cheap to send; the rest is the defaults.
java "-Xmx$XMX" -jar target/planline.jar serve --micronaut.server.host=127.0.0.1 \
  "--micronaut.server.port=$PORT" --planline.max-request-bytes=1048576 >"$LOG" 2>&1 &
PID=$!
trap 'kill -9 $PID 2>/dev/null || true' EXIT

for _ in $(seq 1 600); do
  curl -fsS -o /dev/null "$BASE/v2/health/ready" 2>/dev/null && break
  kill -0 $PID 2>/dev/null || { echo "soak: server died:" >&2; cat "$LOG" >&2; exit 1; }
  sleep 0.2
done

metric() { # metric NAME_WITH_LABELS -> value (0 when absent)
  curl -fsS "$BASE/prometheus" | awk -v m="$1" '$1 == m { v = $2 } END { print (v == "" ? 0 : v) }'
}
old_gen_kib() { # old-generation bytes in use right after a full GC, in KiB
  jcmd $PID GC.run >/dev/null
  jstat -gc $PID | awk 'NR == 2 { for (i = 1; i <= NF; i++) if (h[i] == "OU") printf "%.0f", $i } NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i }'
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' /proc/$PID/status; }
fds() { ls /proc/$PID/fd | wc -l; }

echo "warm-up: ${WARMUP}s"
python3 tools/soak_client.py "$PORT" "$WARMUP" "$MAX_REQUESTS" "$CLIENTS" >/dev/null
sleep 2
HEAP0=$(old_gen_kib); RSS0=$(rss_kib); FD0=$(fds)

echo "soak: ${DURATION}s, at most $MAX_REQUESTS requests, $CLIENTS clients"
START=$(date +%s)
COUNTS=$(python3 tools/soak_client.py "$PORT" "$DURATION" "$MAX_REQUESTS" "$CLIENTS")
ELAPSED=$(( $(date +%s) - START ))
sleep 2 # let abandoned requests finish cancelling
HEAP1=$(old_gen_kib); RSS1=$(rss_kib); FD1=$(fds)
IN_USE=$(metric 'planline_memory_in_use_bytes{device="cpu"}')
EVICTED=$(metric 'planline_shapes_evicted_total{model="tiny-gpt"}')

kill -TERM $PID
STATUS=0; wait $PID || STATUS=$?
trap - EXIT

echo
echo "requests by kind and answer (${ELAPSED}s):"
echo "$COUNTS" | python3 -c 'import json,sys; [print("  %-34s %d" % kv) for kv in json.load(sys.stdin).items()]'
echo "  total                              $(echo "$COUNTS" | python3 -c 'import json,sys; print(sum(json.load(sys.stdin).values()))')"
echo
printf '| measure | after warm-up | end |\n|---|---|---|\n'
printf '| old-gen heap after full GC (KiB) | %s | %s |\n' "$HEAP0" "$HEAP1"
printf '| RSS (KiB) | %s | %s |\n' "$RSS0" "$RSS1"
printf '| open file descriptors | %s | %s |\n' "$FD0" "$FD1"
printf '| device bytes in use | | %s |\n' "$IN_USE"
printf '| tiny-gpt shapes evicted | | %s |\n' "$EVICTED"
printf '| exit status after SIGTERM | | %s |\n' "$STATUS"

FAIL=0
[ "${IN_USE%.*}" = "0" ] || { echo "soak: device memory not back to 0" >&2; FAIL=1; }
awk -v a="$HEAP0" -v b="$HEAP1" 'BEGIN { exit !(b <= a * 1.10) }' || { echo "soak: heap grew over 10%" >&2; FAIL=1; }
awk -v a="$RSS0" -v b="$RSS1" 'BEGIN { exit !(b <= a * 1.10) }' || { echo "soak: RSS grew over 10%" >&2; FAIL=1; }
[ "$STATUS" = "0" ] || { echo "soak: exit status $STATUS after SIGTERM" >&2; tail -20 "$LOG" >&2; FAIL=1; }
rm -f "$LOG"
exit $FAIL
