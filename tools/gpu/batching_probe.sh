#!/usr/bin/env bash
# Liveness probe for dynamic batching on the lent machine (.devsrv.txz carried; extra arguments
# go to the server, e.g. --planline.backend=cpu to try it here): tiny-gpt, version 1 unbatched
# and version 2 batched (tools/loadtest/batching.yml), with bursts of 1 to 32 concurrent
# binary-output requests, 16 JSON ones, then `hey` at 16 clients, once on version 1 and six
# times on version 2. A burst or a hey run still waiting after its time gets a thread dump
# (SIGQUIT, into $OUT/server.log) and the metrics at that moment ($OUT/stuck-metrics.txt).
# This is how the stall fixed by taking reactor-core 3.8 was found (pom.xml,
# tools/gpu/results/2026-12-05-h100-session18/batching/stall-probe).
set -uo pipefail
out=${OUT:-/tmp/planline-probe}; mkdir -p "$out"
tar xJf .devsrv.txz -C /tmp || exit 2
source tools/gpu/libs.sh
dir=/tmp/.devsrv
export PATH="$dir/jre/bin:$dir:$PATH" LD_LIBRARY_PATH="$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
sc=(); lc=()
[ "$(nproc)" -ge 16 ] && { sc=(taskset -c 0-7); lc=(taskset -c 8-15); }
MICRONAUT_CONFIG_FILES=tools/loadtest/batching.yml "${sc[@]}" java -Xms1g -Xmx1g -jar "$dir/planline.jar" \
  --micronaut.server.port=18080 --planline.backend=cuda "$@" >"$out/server.log" 2>&1 &
srv=$!
for i in $(seq 60); do curl -fs http://127.0.0.1:18080/v2/health/ready >/dev/null && break; sleep 1; done
url=http://127.0.0.1:18080/v2/models/tiny-gpt/versions/2/infer
sed '0,/{/s//{"parameters": {"binary_data_output": true}, /' tools/loadtest/tiny-gpt-64.json >/tmp/bin.json
one() { curl -s -m 15 -o /dev/null -w '%{http_code}:%{size_download} ' -H 'Content-Type: application/json' --data-binary @"$1" "$url"; }
export -f one; export url
echo "one binary: $(one /tmp/bin.json)"
echo "one json: $(one tools/loadtest/tiny-gpt-64.json)"
for n in 4 8 12 16 32; do
  ( seq $n | xargs -P $n -I{} bash -c 'one /tmp/bin.json' > /tmp/b$n.txt ) &
  pid=$!; sleep 4; kill -0 $pid 2>/dev/null && { echo "binary x$n still running after 4 s: dump"; kill -3 $srv; }
  wait $pid; echo "binary x$n: $(tr ' ' '\n' < /tmp/b$n.txt | sort | uniq -c | tr '\n' ' ')"
done
echo "json x16: $(seq 16 | xargs -P 16 -I{} bash -c 'one tools/loadtest/tiny-gpt-64.json' | tr ' ' '\n' | sort | uniq -c | tr '\n' ' ')"
for v in 1 2 2 2 2 2 2; do
  "${lc[@]}" hey -z 4s -t 8 -c 16 -m POST -T application/json -D /tmp/bin.json "${url%/versions/*}/versions/$v/infer" >/tmp/hey$v.txt &
  pid=$!; sleep 7; kill -0 $pid 2>/dev/null && { echo "hey on version $v still waiting at 7 s: dump"; kill -3 $srv; curl -s -m 3 http://127.0.0.1:18080/prometheus > "$out/stuck-metrics.txt"; }
  wait $pid; echo "hey version $v:"; grep -E 'Requests/sec|^ *\[|Error' -A0 /tmp/hey$v.txt | head -8
done
curl -s http://127.0.0.1:18080/prometheus | grep -E 'planline_batch_size_(count|sum)|lent' > "$out/metrics.txt"
kill $srv; wait $srv
grep -vE ' DEBUG ' "$out/server.log" | grep -iE 'error|exception|warn' | head -20
