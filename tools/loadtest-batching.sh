#!/usr/bin/env bash
# Dynamic batching off against on, in one run: starts its own server on a loopback port with
# tools/loadtest/batching.yml (each built-in model as version 1, unbatched, and version 2,
# batched) and drives each with `hey` (Debian package `hey`):
#
#   tools/loadtest-batching.sh [DURATION] [PORT]      default 10s per measurement, port 18080
#
# digits-mlp [1,64] and digits-cnn [1,1,8,8] at concurrency 64, tiny-gpt [1,64] at 16. Per model:
# a warm-up of each version (WARMUP, 8s), then ROUNDS (3) rounds of off then on, alternating so
# that load from elsewhere on a shared machine falls on both alike. Prints the machine, the date
# and the load average, then a Markdown table for docs/benchmarks.md: the median over the rounds
# of requests/s, p50 and p99 for batching off and on, the ratio of the medians, and the mean rows
# per executed batch and mean wait for a batch over the measured rounds (from /prometheus); each
# round's figures and status codes go to stderr. BATCH_DELAY_MICROS, MAX_BATCH_SIZE and
# PREFERRED_BATCH_SIZES (comma-separated) set the global values (a model's own in the file, such
# as tiny-gpt's preferred 16, still win), GRAPHS=1 turns on
# recorded replays, SERVER_JAVA_OPTS adds JVM options to the server (a flight recording),
# MAX_RUNNING the requests (and batches) executing at once (default: the server's, one per core
# on the CPU), SETTINGS another settings file in place of tools/loadtest/batching.yml,
# BACKEND the backend (cuda on a GPU machine); MODELS (space-separated)
# picks some of the three models; BINARY_OUTPUTS=1 asks for binary outputs. On a machine
# with cores to spare, SERVER_CPUS and LOADGEN_CPUS (taskset lists, e.g. 0-7 and 8-15) keep the
# server and `hey` on separate cores, so that the load generator does not take the server's time.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/loadtest/lib.sh

DURATION="${1:-10s}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-8s}"
PORT="${2:-18080}"
BASE="http://127.0.0.1:$PORT"
JAR=target/planline.jar
command -v hey >/dev/null || { echo "loadtest-batching: hey is not installed" >&2; exit 2; }
[ -f "$JAR" ] || { echo "loadtest-batching: build $JAR first (mvn -B -q package -DskipTests)" >&2; exit 2; }

extra=()
[ -n "${BATCH_DELAY_MICROS:-}" ] && extra+=("--planline.batching.max-queue-delay-micros=$BATCH_DELAY_MICROS")
[ -n "${MAX_BATCH_SIZE:-}" ] && extra+=("--planline.batching.max-batch-size=$MAX_BATCH_SIZE")
[ -n "${PREFERRED_BATCH_SIZES:-}" ] && extra+=("--planline.batching.preferred-batch-sizes=$PREFERRED_BATCH_SIZES")
[ "${GRAPHS:-0}" = 1 ] && extra+=("--planline.graphs=true")
[ -n "${BACKEND:-}" ] && extra+=("--planline.backend=$BACKEND")
[ -n "${MAX_RUNNING:-}" ] && extra+=("--planline.max-concurrent-requests=$MAX_RUNNING")
server_cpus=(); loadgen_cpus=()
[ -n "${SERVER_CPUS:-}" ] && server_cpus=(taskset -c "$SERVER_CPUS")
[ -n "${LOADGEN_CPUS:-}" ] && loadgen_cpus=(taskset -c "$LOADGEN_CPUS")
MICRONAUT_CONFIG_FILES="${SETTINGS:-tools/loadtest/batching.yml}" "${server_cpus[@]}" java -Xms1g -Xmx1g ${SERVER_JAVA_OPTS:-} -jar "$JAR" \
  --micronaut.server.port="$PORT" "${extra[@]}" >/tmp/planline-batching-bench.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
wait_ready "$BASE/v2/health/ready" || { echo "server did not start" >&2; exit 1; }

metric() { # metric NAME_WITH_LABELS -> value (0 when absent)
  curl -fsS --retry 5 --retry-connrefused --retry-delay 1 "$BASE/prometheus" | awk -v m="$1" '$1 == m { v = $2 } END { print (v == "" ? 0 : v) }'
}
hey_run() { # model version body concurrency duration
  "${loadgen_cpus[@]}" hey -z "$5" -c "$4" -m POST -T application/json -D "$3" \
    "$BASE/v2/models/$1/versions/$2/infer" | parse_hey
}

machine_line
[ -n "${SERVER_CPUS:-}${LOADGEN_CPUS:-}" ] && echo "server on cores ${SERVER_CPUS:-all}, hey on cores ${LOADGEN_CPUS:-all}"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "settings: $(grep -E 'max-batch-size|max-queue-delay|preferred-batch' tools/loadtest/batching.yml | tr -s ' ' | tr '\n' ' ')${extra[*]:-}"
echo
echo "| model | shape | concurrency | off req/s | off p50 ms | off p99 ms | on req/s | on p50 ms | on p99 ms | on/off | rows per batch | wait per request ms |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for spec in "digits-mlp digits-mlp.json [1,64] 64" "digits-cnn digits-cnn.json [1,1,8,8] 64" \
            "tiny-gpt tiny-gpt-64.json [1,64] 16"; do
  read -r model body shape conc <<<"$spec"
  case " ${MODELS:-digits-mlp digits-cnn tiny-gpt} " in *" $model "*) ;; *) continue ;; esac
  body="tools/loadtest/$body"
  if [ "${BINARY_OUTPUTS:-0}" = 1 ]; then
    # the same request asking for its answers as raw bytes, so that writing JSON text does not
    # bound the server (tiny-gpt answers 16,384 floats)
    sed '0,/{/s//{"parameters": {"binary_data_output": true}, /' "$body" >"/tmp/planline-$model-binary.json"
    body="/tmp/planline-$model-binary.json"
  fi
  # Warm-up: the JIT, and every batch size the batched version will meet planned once.
  hey_run "$model" 1 "$body" "$conc" "$WARMUP" >/dev/null
  hey_run "$model" 2 "$body" "$conc" "$WARMUP" >/dev/null
  b0=$(metric "planline_batch_size_count{model=\"$model\"}"); r0=$(metric "planline_batch_size_sum{model=\"$model\"}")
  w0=$(metric "planline_batch_wait_seconds_sum{model=\"$model\"}")
  q0=$(metric "planline_batch_wait_seconds_count{model=\"$model\"}")
  : >/tmp/planline-batching-off; : >/tmp/planline-batching-on
  # Off and on alternate, so that load from elsewhere on the machine falls on both alike.
  for _ in $(seq 1 "$ROUNDS"); do
    hey_run "$model" 1 "$body" "$conc" "$DURATION" >>/tmp/planline-batching-off
    hey_run "$model" 2 "$body" "$conc" "$DURATION" >>/tmp/planline-batching-on
  done
  b1=$(metric "planline_batch_size_count{model=\"$model\"}"); r1=$(metric "planline_batch_size_sum{model=\"$model\"}")
  w1=$(metric "planline_batch_wait_seconds_sum{model=\"$model\"}")
  q1=$(metric "planline_batch_wait_seconds_count{model=\"$model\"}")
  col() { awk -v c="$2" '{ print $c }' "$1" | median; }
  off_rps=$(col /tmp/planline-batching-off 1); on_rps=$(col /tmp/planline-batching-on 1)
  awk -v m="$model" -v s="$shape" -v c="$conc" -v a="$off_rps" \
      -v b="$(col /tmp/planline-batching-off 2)" -v d="$(col /tmp/planline-batching-off 3)" \
      -v e="$on_rps" -v f="$(col /tmp/planline-batching-on 2)" -v g="$(col /tmp/planline-batching-on 3)" \
      -v n="$(awk -v x="$b0" -v y="$b1" 'BEGIN { print y - x }')" \
      -v rows="$(awk -v x="$r0" -v y="$r1" 'BEGIN { print y - x }')" \
      -v w="$(awk -v x="$w0" -v y="$w1" 'BEGIN { print y - x }')" \
      -v q="$(awk -v x="$q0" -v y="$q1" 'BEGIN { print y - x }')" 'BEGIN {
    printf "| %s | %s | %s | %.1f | %.2f | %.2f | %.1f | %.2f | %.2f | %.2fx | %.1f | %.2f |\n",
      m, s, c, a, b, d, e, f, g, (a > 0 ? e / a : 0), (n > 0 ? rows / n : 0),
      (q > 0 ? w / q * 1000 : 0) }'
  echo "  $model runs (rps p50 p99 codes errors), off: $(tr '\n' ';' </tmp/planline-batching-off) on: $(tr '\n' ';' </tmp/planline-batching-on)" >&2
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
