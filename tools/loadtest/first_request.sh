#!/usr/bin/env bash
# A model's first requests through the server, with the models' warm-up at load off and on
# (planline.model-warmup-rounds 0 and 2, alternated over PASSES server starts), then, warm-up
# on, requests back to back against requests half a second apart. Requests use Triton's binary
# tensor extension, one `curl` each for the first ones and `hey -c 1` for the rest; compute
# times come from the server's own statistics (/v2/models/m/stats, compute_infer).
# From the repository root, after `mvn -B -q package -DskipTests`:
#   bash tools/loadtest/first_request.sh MODEL_FOLDER REQUEST.json [PASSES]
# REQUEST.json is a KServe V2 JSON request of one FP32 input (the first row of the model's
# sample, say); its output must be named OUTPUT (default logits). Needs curl, hey and python3.
set -euo pipefail
model=$1
request=$2
passes=${3:-2}
output=${OUTPUT:-logits}
port=${PORT:-8080}
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2> /dev/null; rm -rf "$work"' EXIT
url=http://localhost:$port/v2/models/m
# The JSON request as a binary one: its JSON header, then the tensor's little-endian bytes.
python3 - "$request" "$work/body.bin" "$output" > "$work/header_length" <<'PY'
import json, struct, sys
x = json.load(open(sys.argv[1]))["inputs"][0]
raw = struct.pack("<%df" % len(x["data"]), *x["data"])
header = json.dumps({"inputs": [{"name": x["name"], "shape": x["shape"], "datatype": "FP32",
                                 "parameters": {"binary_data_size": len(raw)}}],
                     "outputs": [{"name": sys.argv[3], "parameters": {"binary_data": True}}]})
open(sys.argv[2], "wb").write(header.encode() + raw)
print(len(header.encode()))
PY
length=$(cat "$work/header_length")
compute() {  # requests counted so far and their compute_infer nanoseconds
  curl -s "$url/stats" | python3 -c "import json,sys
s = json.load(sys.stdin)['model_stats'][0]['inference_stats']['compute_infer']
print(s['count'], s['ns'])"
}
start_server() {  # $1: warm-up rounds
  printf 'planline:\n  model-warmup-rounds: %s\n  models:\n    - name: m\n      path: %s\n' \
    "$1" "$model" > "$work/config.yml"
  started=$(date +%s.%N)
  MICRONAUT_CONFIG_FILES=$work/config.yml java -jar target/planline.jar \
    --micronaut.server.port="$port" > "$work/server.log" 2>&1 &
  server=$!
  until curl -sf "http://localhost:$port/v2/health/ready" > /dev/null; do
    kill -0 "$server" 2> /dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "  ready after $(python3 -c "print(round($(date +%s.%N) - $started, 1))") s"
  grep -o "warmed model .*" "$work/server.log" || true
}
stop_server() {
  kill "$server"
  wait "$server" 2> /dev/null || true
}
infer() {
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H 'Content-Type: application/octet-stream' \
    -H "Inference-Header-Content-Length: $length" --data-binary @"$work/body.bin" "$url/infer"
}
four() {
  for _ in 1 2 3 4; do infer > /dev/null; done
}
mean_compute() {  # runs "$@" (a load) and prints the mean compute of the requests it made
  read -r c0 n0 < <(compute)
  "$@" > /dev/null
  read -r c1 n1 < <(compute)
  python3 -c "print('%d requests, compute %.1f ms on average' % ($c1 - $c0, ($n1 - $n0) / ($c1 - $c0) / 1e6))"
}
for pass in $(seq 1 "$passes"); do
  for rounds in 0 2; do
    echo "pass $pass, model-warmup-rounds $rounds:"
    start_server "$rounds"
    read -r status seconds < <(infer)
    read -r _ ns < <(compute)
    echo "  first request: HTTP $status, $seconds s end to end, compute $(python3 -c "print(round($ns / 1e6, 1))") ms"
    echo "  next four: $(mean_compute four)"
    stop_server
  done
done
echo "warm-up on, back to back against half a second apart:"
start_server 2
load() {  # hey reads its flags before the URL only
  hey -c 1 "$@" -m POST -T application/octet-stream \
    -H "Inference-Header-Content-Length: $length" -D "$work/body.bin" "$url/infer"
}
echo "  back to back (150): $(mean_compute load -n 150)"
echo "  two a second (20): $(mean_compute load -n 20 -q 2)"
stop_server
