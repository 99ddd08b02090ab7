#!/usr/bin/env bash
# Serves exported model folders from YAML on the GPU (backend: cuda) with the server jar and
# checks each as a KServe V2 client would (tools/gpu/serve_check.py: readiness, metadata, a JSON
# request against torch.compile's sample, timed binary requests, /plan, /prometheus). On the lent
# GPU machine, from the repository root, with tools/gpu/bundle_server.sh's bundle in .devsrv:
#   bash tools/gpu/serve_proof.sh FOLDER...
# PLANLINE_SERVE_GRAPHS=1 serves with CUDA graphs (planline.graphs). Results in $OUT: serve.yml,
# server.log, serve-NAME.json. Exit status: non-zero when a check failed or the server did not
# become ready. The server's warnings are printed at the end: results still lent in pinned
# memory when it shuts down are one (a frontend that did not release its answers).
set -uo pipefail
bundle=${PLANLINE_SERVE_BUNDLE:-.devsrv}
out=${OUT:-/tmp/planline-serve}
mkdir -p "$out"
{
  echo "planline:"
  echo "  backend: cuda"
  echo "  planner: offset"
  echo "  kernel-window: 256"
  echo "  device-memory-budget-bytes: 17179869184"
  echo "  max-request-bytes: 1073741824"
  [ "${PLANLINE_SERVE_GRAPHS:-0}" = 1 ] && echo "  graphs: true"
  echo "  models:"
  for d in "$@"; do
    echo "    - name: $(basename "$d")"
    echo "      path: $(cd "$d" && pwd)"
  done
} > "$out/serve.yml"
source tools/gpu/libs.sh
MICRONAUT_CONFIG_FILES="$out/serve.yml" "$bundle/jre/bin/java" -Xmx16g \
  -jar "$bundle/planline.jar" > "$out/server.log" 2>&1 &
server=$!
status=1
for _ in $(seq 120); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://localhost:8080/v2/health/ready', timeout=2)" 2>/dev/null; then
    status=0
    break
  fi
  kill -0 $server 2>/dev/null || break
  sleep 1
done
if [ $status != 0 ]; then
  echo "the server did not become ready:"; tail -n 30 "$out/server.log"
else
  for d in "$@"; do
    name=$(basename "$d")
    python3 tools/gpu/serve_check.py http://localhost:8080 "$name" "$d" 100 > "$out/serve-$name.json" \
      || status=1
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r['model'], 'ok' if r['ok'] else 'FAILED', 'json error', r['relative_error_json'], 'binary p50', r['p50_ms'], 'ms', 'plan', r['plan'])" "$out/serve-$name.json"
  done
fi
kill $server 2>/dev/null
wait $server 2>/dev/null
grep -E " (WARN|ERROR) " "$out/server.log" | head -n 10
exit $status
