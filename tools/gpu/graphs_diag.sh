#!/usr/bin/env bash
# Diagnoses CUDA graphs with several requests in flight on one model exported two ways (default
# and --conv triton), on the lent GPU machine, with the bundle of tools/gpu/bundle.sh:
#   bash tools/gpu/graphs_diag.sh MODEL:BATCH
# Each export runs InductorGpuProof (graphs included) under a short timeout; a hang prints a
# thread dump. Results in $OUT/{default,triton}/.
set -uo pipefail
out=${OUT:-/tmp/planline-gpu}
for mode in default triton; do
  args=""; [ $mode = triton ] && args="--conv triton"
  OUT="$out/$mode" PLANLINE_EXPORT_ROOT="/tmp/diag-$mode" PLANLINE_EXPORT_ARGS="$args" \
    PLANLINE_GPU_SKIP_TORCH=1 PLANLINE_GPU_PROOF_S=${PLANLINE_GPU_PROOF_S:-60} \
    bash tools/gpu/inductor_proof.sh "$@" 2>&1 | grep -E "error |graphs:|FAILED|Killed|exported"
done
