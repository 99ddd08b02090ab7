#!/usr/bin/env bash
# Exports the architectures of tools/hf_probes.py (all, or those named) with Inductor for the
# CPU and runs each on planline against the PyTorch output the export saved beside it:
#   tools/probe-architectures.sh [--out DIR] [NAME...]       NAME: qwen2, gpt-neo, swin, ...
# Needs PyTorch and transformers (pip install torch transformers) and the jar (mvn -B -q package
# -DskipTests). No ONNX files: these show coverage, not speed. Prints one line per architecture
# (export time, planline's relative error, or what failed and which log says more); exits 1
# when any export or run failed or missed 1e-4. Folders and logs stay in DIR
# (default /tmp/planline-probes).
set -uo pipefail
cd "$(dirname "$0")/.."
out=/tmp/planline-probes
if [ "${1:-}" = "--out" ]; then out=$2; shift 2; fi
test -f target/planline.jar || { echo "probe: build the jar first (mvn -B -q package -DskipTests)" >&2; exit 2; }
names=("$@")
if [ ${#names[@]} = 0 ]; then
  mapfile -t names < <(cd tools && python3 -c 'import hf_probes; print("\n".join(n[:-5] for n in hf_probes.PROBES))') || exit 2
fi
mkdir -p "$out"
failed=0
printf '%-14s %-9s %s\n' architecture export "planline against PyTorch's sample"
for name in "${names[@]}"; do
  spec=${name//-/_}_spec
  folder=$out/${name//_/-}
  rm -rf "$folder"
  start=$(date +%s)
  if ! python3 tools/planline_export.py "hf_probes:$spec" "$folder" --compile inductor --no-onnx \
      > "$folder.export.log" 2>&1; then
    printf '%-14s %-9s %s\n' "$name" FAILED "$(grep -E 'Error|error:' "$folder.export.log" | tail -1 | cut -c1-160) ($folder.export.log)"
    failed=1; continue
  fi
  took=$(( $(date +%s) - start ))s
  java -jar target/planline.jar run "$folder" > "$folder.run.log" 2>&1
  error=$(sed -n 's/.*relative error vs PyTorch sample[^:]*: *//p' "$folder.run.log")
  if [ -z "$error" ]; then
    printf '%-14s %-9s %s\n' "$name" "$took" "FAILED: $(grep -v ' INFO ' "$folder.run.log" | grep -m1 -E 'Exception|rror' | cut -c1-160) ($folder.run.log)"
    failed=1
  elif python3 -c "import sys; sys.exit(0 if float('$error') <= 1e-4 else 1)"; then
    printf '%-14s %-9s %s\n' "$name" "$took" "relative error $error"
  else
    printf '%-14s %-9s %s\n' "$name" "$took" "relative error $error, over 1e-4 ($folder.run.log)"
    failed=1
  fi
done
exit $failed
