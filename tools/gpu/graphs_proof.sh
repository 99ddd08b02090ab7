#!/usr/bin/env bash
# CUDA graphs (planline.graphs) on the lent GPU machine, from the repository root, with the
# bundle of tools/gpu/bundle.sh in .devwork:
#   bash tools/gpu/graphs_proof.sh MODEL:BATCH...      e.g. bert:1 gpt2:1 resnet50:1
# 1. the gpu-tagged JUnit class ReplayGpuTest (replays equal launches one by one, concurrency,
#    memory given back) — PLANLINE_GPU_JUNIT_PACKAGE=1 runs every gpu-tagged test instead;
# 2. tools/gpu/inductor_proof.sh on the models: each one without and with graphs
#    (InductorGpuProof's graphs_* fields), beside torch.compile and reduce-overhead.
# Results in $OUT as inductor_proof.sh writes them, plus junit.log.
set -uo pipefail
bundle=${PLANLINE_GPU_BUNDLE:-.devwork}
out=${OUT:-/tmp/planline-gpu}
mkdir -p "$out"
cp="$bundle/test-classes:$bundle/classes"
for jar in "$bundle"/lib/*.jar; do cp="$cp:$jar"; done
select=(--select-class io.planline.backend.cuda.ReplayGpuTest)
[ "${PLANLINE_GPU_JUNIT_PACKAGE:-0}" = 1 ] && select=(--select-package io.planline.backend.cuda)
source tools/gpu/libs.sh
status=0
timeout -k 10 -s QUIT "${PLANLINE_GPU_JUNIT_S:-150}" "$bundle/jre/bin/java" \
  -Djava.library.path="$bundle/native" -Xms3g -Xmx3g -jar "$bundle/junit-console.jar" execute \
  --class-path "$cp" "${select[@]}" --include-tag gpu --disable-banner --details=tree \
  --details-theme=ascii > "$out/junit.log" 2>&1 || status=1
grep -v ' INFO ' "$out/junit.log" | tail -n 40
[ $# -gt 0 ] && { bash tools/gpu/inductor_proof.sh "$@" || status=1; }
exit $status
