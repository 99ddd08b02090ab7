#!/usr/bin/env bash
# Exports models with Inductor for the GPU (tools/planline_inductor_cuda.py), one static folder
# per model and batch, on the lent GPU machine (PyTorch with CUDA and Triton), from the
# repository root:
#   bash tools/gpu/export_inductor.sh ROOT MODEL:BATCH...
# MODEL: digits-mlp, digits-cnn, tiny-gpt, gpt2, bert, resnet50, vit, or any other spec of
# hf_models.py or hf_probes.py by its name (t5-encoder for t5_encoder_spec; weights from a
# fixed seed, nothing downloaded). Writes ROOT/MODEL-bBATCH/
# and ROOT/MODEL-bBATCH.log; exit status: the number of exports that failed. PLANLINE_EXPORT_ARGS
# adds exporter options to every export (e.g. "--conv triton"). PLANLINE_EXPORT_REUSE=1 keeps a
# folder that an earlier call on the same machine already exported (its program.json exists).
set -uo pipefail
root=$(mkdir -p "$1" && cd "$1" && pwd); shift
cd "$(dirname "$0")/.."
failed=0
for item in "$@"; do
  model=${item%%:*}; batch=${item##*:}
  case $model in
    digits-mlp) factory=planline_models:digits_mlp_spec ;;
    digits-cnn) factory=planline_models:digits_cnn_spec ;;
    tiny-gpt) factory=planline_models:tiny_gpt_spec ;;
    gpt2) factory=hf_models:gpt2_spec ;;
    bert) factory=hf_models:bert_spec ;;
    resnet50) factory=hf_models:resnet50_spec ;;
    vit) factory=hf_models:vit_spec ;;
    *) # any other spec of hf_models.py or hf_probes.py by its name (t5-encoder: t5_encoder_spec)
      factory=$(grep -l "^def ${model//-/_}_spec(" hf_models.py hf_probes.py | head -1)
      if [ -z "$factory" ]; then
        echo "unknown model $model" >&2; failed=$((failed + 1)); continue
      fi
      factory=${factory%.py}:${model//-/_}_spec ;;
  esac
  if [ "${PLANLINE_EXPORT_REUSE:-0}" = 1 ] && [ -f "$root/$model-b$batch/program.json" ]; then
    echo "kept $model batch $batch (exported earlier)"; continue
  fi
  start=$(date +%s)
  if python3 planline_export.py "$factory" "$root/$model-b$batch" --compile inductor \
      --device cuda --batch "$batch" ${PLANLINE_EXPORT_ARGS:-} > "$root/$model-b$batch.log" 2>&1; then
    echo "exported $model batch $batch in $(( $(date +%s) - start )) s"
  else
    echo "FAILED $model batch $batch:"; tail -n 15 "$root/$model-b$batch.log"
    failed=$((failed + 1))
  fi
done
exit $failed
