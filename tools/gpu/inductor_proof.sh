#!/usr/bin/env bash
# The GPU proof of Inductor's Triton kernels on planline (issue 10), one command on the lent GPU
# machine, from the repository root, with the bundle of tools/gpu/bundle.sh in .devwork:
#   bash tools/gpu/inductor_proof.sh MODEL:BATCH...      e.g. gpt2:1 gpt2:32 bert:1 resnet50:1
# 1. exports each model with tools/gpu/export_inductor.sh (torch.compile, Inductor, static shape);
# 2. planline loads each folder on the CUDA backend (Triton cubins + its own products), checks
#    the output against torch.compile's, measures memory, latency and throughput
#    (InductorGpuProof);
# 3. PyTorch eager, torch.compile and reduce-overhead on the same models, same card
#    (torch_inductor_bench.py).
# PLANLINE_GPU_JAVA_OPTS adds JVM options (say -Dplanline.cuda.cudnn-workspace-bytes=N).
# Results in $OUT: export.log, inductor.json, planline-inductor.log, torch-inductor.json, and
# each folder's program.json and kernels (no weights) in models.tgz.
set -uo pipefail
bundle=${PLANLINE_GPU_BUNDLE:-.devwork}
out=${OUT:-/tmp/planline-gpu}
seconds=${PLANLINE_GPU_SECONDS:-2}
root=${PLANLINE_EXPORT_ROOT:-/tmp/planline-inductor}
mkdir -p "$out/models"
status=0
bash tools/gpu/export_inductor.sh "$root" "$@" 2>&1 | tee "$out/export.log"
folders=()
for item in "$@"; do
  d="$root/${item%%:*}-b${item##*:}"
  [ -f "$d/program.json" ] && folders+=("$d")
  mkdir -p "$out/models/$(basename "$d")"
  cp -r "$d/program.json" "$d/model.json" "$d/triton" "$out/models/$(basename "$d")/" 2>/dev/null
  cp "$d.log" "$out/models/" 2>/dev/null
done
source tools/gpu/libs.sh
java="$bundle/jre/bin/java"
cp="$bundle/test-classes:$bundle/classes"
for jar in "$bundle"/lib/*.jar; do cp="$cp:$jar"; done
# one process per model (rows accumulate in inductor.json): a model that hangs is stopped with
# a thread dump (SIGQUIT) after PLANLINE_GPU_PROOF_S seconds without hiding the others
for d in "${folders[@]}"; do
  timeout -k 10 -s QUIT "${PLANLINE_GPU_PROOF_S:-150}" "$java" \
    -Djava.library.path="$bundle/native" -Xms8g -Xmx8g ${PLANLINE_GPU_JAVA_OPTS:-} \
    -XX:+AlwaysPreTouch -XX:+UseParallelGC -cp "$cp" io.planline.backend.cuda.InductorGpuProof "$out" "$seconds" "$d" \
    2>&1 | grep -v ' INFO ' | tee -a "$out/planline-inductor.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
done
if [ "${PLANLINE_GPU_SKIP_TORCH:-0}" != 1 ]; then
  PYTHONUNBUFFERED=1 timeout -k 10 "${PLANLINE_GPU_TORCH_S:-300}" python3 \
    tools/gpu/torch_inductor_bench.py --out "$out/torch-inductor.json" --seconds "$seconds" "$@" \
    2>&1 | grep -E '^torch |Error' | tee "$out/torch-inductor.log"
fi
# one archive: the machine returns a limited number of files
(cd "$out" && tar czf models.tgz models && rm -rf models)
exit $status
