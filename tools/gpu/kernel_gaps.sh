#!/usr/bin/env bash
# The device's side of a request, launched one by one and replayed from a CUDA graph, under
# Nsight Systems, on the lent GPU machine, with the bundle of tools/gpu/bundle.sh:
#   bash tools/gpu/kernel_gaps.sh MODEL:BATCH...
# Exports each model (tools/gpu/export_inductor.sh), runs InductorGpuProof on it under `nsys
# profile -t cuda`, and summarises the trace with tools/gpu/kernel_gaps.py. Results in $OUT.
set -uo pipefail
bundle=${PLANLINE_GPU_BUNDLE:-.devwork}
out=${OUT:-/tmp/planline-gpu}
root=${PLANLINE_EXPORT_ROOT:-/tmp/planline-inductor}
mkdir -p "$out"
nsys=$(command -v nsys || ls /usr/local/cuda*/bin/nsys /opt/nvidia/nsight-systems/*/bin/nsys 2>/dev/null | head -1)
if [ -z "$nsys" ]; then
  echo "nsys not found; CUDA tools here:"; ls /usr/local/cuda*/bin 2>/dev/null | tr '\n' ' '; exit 3
fi
bash tools/gpu/export_inductor.sh "$root" "$@" > "$out/export.log" 2>&1
source tools/gpu/libs.sh
cp="$bundle/test-classes:$bundle/classes"
for jar in "$bundle"/lib/*.jar; do cp="$cp:$jar"; done
for item in "$@"; do
  name="${item%%:*}-b${item##*:}"
  timeout -k 10 300 "$nsys" profile -t cuda -o "/tmp/trace-$name" --export sqlite \
    --force-overwrite true "$bundle/jre/bin/java" -Djava.library.path="$bundle/native" \
    -Xms8g -Xmx8g -XX:+UseParallelGC -cp "$cp" io.planline.backend.cuda.InductorGpuProof \
    "$out/proof-$name" "${PLANLINE_GPU_SECONDS:-1}" "$root/$name" 2>&1 | grep -v ' INFO ' \
    | grep -E "error|graphs" | tee -a "$out/proof.log"
  echo "== $name" | tee -a "$out/gaps.txt"
  python3 tools/gpu/kernel_gaps.py "/tmp/trace-$name.sqlite" 2>&1 | tee -a "$out/gaps.txt"
done
