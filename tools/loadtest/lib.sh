# Shell functions shared by the load-test scripts (sourced, not run).

# Reads hey's text report; prints "rps p50_ms p99_ms codes errors", where errors counts
# statuses other than 200 and 503 plus transport errors.
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

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# One line on the machine: processor, cores, AVX2 and AVX-512 (figures differ between them).
machine_line() {
  echo "machine: $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }'), $(nproc) cores," \
    "avx2: $(grep -qw avx2 /proc/cpuinfo && echo yes || echo no), avx512f: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no)"
}

# Waits up to two minutes for URL to answer; fails when it does not.
wait_ready() {
  for _ in $(seq 1 120); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    sleep 1
  done
  curl -fsS "$1" >/dev/null
}

# Unpacks .devcpu.txz (bundle_lent.sh) into /tmp/devcpu and puts its Java runtime, hey and
# libraries first on the paths; NAME (the calling script's) goes in the error.
use_devcpu() {  # name
  tar xJf .devcpu.txz -C /tmp || { echo "$1: cannot unpack .devcpu.txz (carry it)" >&2; return 2; }
  export PATH="/tmp/devcpu/jre/bin:/tmp/devcpu:$PATH"
  export LD_LIBRARY_PATH="/tmp/devcpu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}

# Starts the server pinned to CPUS, from CLASSPATH with the Java options that follow, on port
# $PORT, its output in LOG; sets SERVER to its pid once it is ready. Fails, the server stopped,
# when it does not get ready.
start_server() {  # log cpus classpath [java options...]
  local log=$1 cpus=$2 path=$3
  shift 3
  taskset -c "$cpus" java -Xms1g -Xmx1g "$@" -cp "$path" io.planline.Main \
    --micronaut.server.port="$PORT" >"$log" 2>&1 &
  SERVER=$!
  wait_ready "http://127.0.0.1:$PORT/v2/health/ready" && return 0
  stop_server
  return 1
}

stop_server() { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; }

# One client (hey -c 1) pinned to $LOADGEN_CPUS (default 12-15): WARMUP requests with body FILE
# to MODEL on the server at $PORT, then DURATION of them; prints parse_hey's line for those.
one_client() {  # model file warmup duration
  local cpus=${LOADGEN_CPUS:-12-15} url="http://127.0.0.1:$PORT/v2/models/$1/infer"
  taskset -c "$cpus" hey -n "$3" -c 1 -m POST -T application/json -D "$2" "$url" >/dev/null
  taskset -c "$cpus" hey -z "$4" -c 1 -m POST -T application/json -D "$2" "$url" | parse_hey
}
