#!/usr/bin/env bash
# The GPU proof, one command on the lent GPU machine, from the repository root:
#   bash tools/gpu/run.sh            (bundle in .devwork, made here by tools/gpu/bundle.sh)
# 1. gpu-tagged JUnit tests (kernels vs CPU, models x planners, streams, failure paths);
# 2. GpuProof: every kernel vs the CPU library on fresh random inputs, every model under every
#    planner vs its PyTorch sample, failure paths, device memory vs plan + weights, latency and
#    throughput at batch 1 and a large batch;
# 3. PyTorch eager and torch.compile on the same card, same measurements;
# 4. summary.json with the ratios, and the table, last.
# Results go to $OUT (default /tmp/planline-gpu). Exit status: non-zero when a check failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bundle=${PLANLINE_GPU_BUNDLE:-.devwork}
out=${OUT:-/tmp/planline-gpu}
seconds=${PLANLINE_GPU_SECONDS:-2}
mkdir -p "$out"
java="$bundle/jre/bin/java"
cp="$bundle/test-classes:$bundle/classes"
for jar in "$bundle"/lib/*.jar; do cp="$cp:$jar"; done
# A fixed, pre-touched heap: large results (16.7 MB for tiny-gpt at batch 256) then land in
# memory that is already mapped, instead of page-faulting on every fresh young generation.
jopts=(-Djava.library.path="$bundle/native" -Xms3g -Xmx3g -XX:+AlwaysPreTouch
  -XX:+UseParallelGC)
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv || true
status=0
if [ "${PLANLINE_GPU_SKIP_JUNIT:-0}" != 1 ]; then
  timeout -k 10 -s QUIT "${PLANLINE_GPU_JUNIT_S:-150}" \
    "$java" "${jopts[@]}" -jar "$bundle/junit-console.jar" execute --class-path "$cp" \
    --select-package io.planline.backend.cuda --include-tag gpu --disable-banner \
    --details=summary --details-theme=ascii > "$out/junit.log" 2>&1 || status=1
  tail -n 25 "$out/junit.log"
fi
# a hang dumps every thread (SIGQUIT) before it is killed
timeout -k 10 -s QUIT "${PLANLINE_GPU_PROOF_S:-300}" \
  "$java" "${jopts[@]}" -cp "$cp" io.planline.backend.cuda.GpuProof "$out" "$seconds" 2>&1 \
  | grep -v ' INFO ' | tee "$out/planline.log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1
models="$bundle/classes/models"
if [ "${PLANLINE_GPU_SKIP_TORCH:-0}" != 1 ]; then
PYTHONUNBUFFERED=1 timeout -k 10 "${PLANLINE_GPU_TORCH_S:-300}" python3 "$here/torch_bench.py" --models "$models" --out "$out/torch.json" \
  --seconds "$seconds" > "$out/torch.log" 2>&1
[ $? = 0 ] || status=1
grep -E '^torch |Error|error' "$out/torch.log" | head -n 40
fi
python3 "$here/report.py" "$out"
exit $status
