#!/usr/bin/env bash
# cuDNN's workspace per stream against the convolutions' speed, on the lent GPU machine, from the
# repository root with the bundle of tools/gpu/bundle.sh in .devwork:
#   bash tools/gpu/cudnn_workspace.sh MODEL:BATCH...          e.g. resnet50:32 resnet50:1
# tools/gpu/options_ab.sh with one variant per size in PLANLINE_CUDNN_WORKSPACES (bytes; default
# 32 MiB and 512 MiB): cuDNN measures only the algorithms that fit, so a larger workspace may let
# it choose faster ones. Results in $OUT/ws-BYTES/ (inductor.json, planline-inductor.log).
set -uo pipefail
ab=""
for ws in ${PLANLINE_CUDNN_WORKSPACES:-33554432 536870912}; do
  ab="${ab:+$ab|}ws-$ws=-Dplanline.cuda.cudnn-workspace-bytes=$ws"
done
PLANLINE_AB="$ab" exec bash tools/gpu/options_ab.sh "$@"
