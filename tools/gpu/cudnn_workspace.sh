#!/usr/bin/env bash
# cuDNN's workspace per stream against the convolutions' speed, on the lent GPU machine, from the
# repository root with the bundle of tools/gpu/bundle.sh in .devwork:
#   bash tools/gpu/cudnn_workspace.sh MODEL:BATCH...          e.g. resnet50:32 resnet50:1
# Exports each model once (tools/gpu/export_inductor.sh), then runs InductorGpuProof on it once
# per workspace size in PLANLINE_CUDNN_WORKSPACES (bytes; default 32 MiB, the default, and
# 512 MiB): cuDNN measures only the algorithms that fit, so a larger workspace may let it choose
# faster ones. Results in $OUT/ws-BYTES/ (inductor.json, planline-inductor.log).
set -uo pipefail
bundle=${PLANLINE_GPU_BUNDLE:-.devwork}
out=${OUT:-/tmp/planline-gpu}
root=${PLANLINE_EXPORT_ROOT:-/tmp/planline-inductor}
mkdir -p "$out"
bash tools/gpu/export_inductor.sh "$root" "$@" > "$out/export.log" 2>&1
source tools/gpu/libs.sh
cp="$bundle/test-classes:$bundle/classes"
for jar in "$bundle"/lib/*.jar; do cp="$cp:$jar"; done
status=0
for ws in ${PLANLINE_CUDNN_WORKSPACES:-33554432 536870912}; do
  mkdir -p "$out/ws-$ws"
  for item in "$@"; do
    d="$root/${item%%:*}-b${item##*:}"
    timeout -k 10 -s QUIT "${PLANLINE_GPU_PROOF_S:-150}" "$bundle/jre/bin/java" \
      -Djava.library.path="$bundle/native" -Xms8g -Xmx8g -XX:+AlwaysPreTouch -XX:+UseParallelGC \
      -Dplanline.cuda.cudnn-workspace-bytes="$ws" -cp "$cp" \
      io.planline.backend.cuda.InductorGpuProof "$out/ws-$ws" "${PLANLINE_GPU_SECONDS:-2}" "$d" \
      2>&1 | grep -v ' INFO ' | sed "s/^/ws=$ws /" | tee -a "$out/ws-$ws/planline-inductor.log"
    [ "${PIPESTATUS[0]}" = 0 ] || status=1
  done
done
exit $status
