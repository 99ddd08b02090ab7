#!/usr/bin/env bash
# The device's side of a request, launched one by one and replayed from a CUDA graph, on the lent
# GPU machine, with the bundle of tools/gpu/bundle.sh:
#   bash tools/gpu/kernel_gaps.sh MODEL:BATCH...
# Exports each model (tools/gpu/export_inductor.sh), runs InductorGpuProof on it with CUPTI
# recording every kernel and copy (tools/gpu/cupti_trace.c, built here: the machine has CUPTI but
# no Nsight Systems), and summarises the trace with tools/gpu/kernel_gaps.py. Results in $OUT.
set -uo pipefail
bundle=${PLANLINE_GPU_BUNDLE:-.devwork}
out=${OUT:-/tmp/planline-gpu}
root=${PLANLINE_EXPORT_ROOT:-/tmp/planline-inductor}
mkdir -p "$out"
cuda=$(dirname "$(dirname "$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)")")
cupti=$(ls -d "$cuda"/extras/CUPTI/lib64 "$cuda"/lib64 "$cuda"/lib "$cuda"/targets/x86_64-linux/lib \
  2>/dev/null | while read -r d; do [ -e "$d/libcupti.so" ] && echo "$d"; done | head -1)
if [ -z "$cupti" ]; then
  echo "libcupti.so not found under $cuda"; exit 3
fi
include=$(ls -d "$cuda"/extras/CUPTI/include "$cuda"/include 2>/dev/null \
  | while read -r d; do [ -e "$d/cupti.h" ] && echo "$d"; done | head -1)
tracer=/tmp/libcupti_trace.so
gcc -shared -fPIC -O2 -I"$cuda/include" -I"$include" tools/gpu/cupti_trace.c -L"$cupti" -lcupti \
  -Wl,-rpath,"$cupti" -o "$tracer" || exit 3
bash tools/gpu/export_inductor.sh "$root" "$@" > "$out/export.log" 2>&1
source tools/gpu/libs.sh
cp="$bundle/test-classes:$bundle/classes"
for jar in "$bundle"/lib/*.jar; do cp="$cp:$jar"; done
for item in "$@"; do
  name="${item%%:*}-b${item##*:}"
  CUDA_INJECTION64_PATH="$tracer" PLANLINE_CUPTI_CSV="$out/trace-$name.csv" \
    timeout -k 10 300 "$bundle/jre/bin/java" -Djava.library.path="$bundle/native" \
    -Xms8g -Xmx8g -XX:+UseParallelGC -cp "$cp" io.planline.backend.cuda.InductorGpuProof \
    "$out/proof-$name" "${PLANLINE_GPU_SECONDS:-1}" "$root/$name" 2>&1 | grep -v ' INFO ' \
    | grep -E "error|graphs|cupti" | tee -a "$out/proof.log"
  echo "== $name" | tee -a "$out/gaps.txt"
  python3 tools/gpu/kernel_gaps.py "$out/trace-$name.csv" 2>&1 | tee -a "$out/gaps.txt"
  gzip -f "$out/trace-$name.csv"
done
