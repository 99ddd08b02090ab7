#!/usr/bin/env bash
# In-process timings of the built-in models on the lent machine's cores (no HTTP): `run MODEL
# --profile N` under taskset on 1, 2, 8 and 16 cores, for a batch-1 and a batched input. It
# separates what the processor and OpenMP cost on that host from what the server adds, which
# the batching runs (lent_batching.sh) cannot. From the repository root, with .devcpu.txz from
# tools/loadtest/bundle_lent.sh carried along:
#   bash tools/loadtest/cpu_probe.sh [RUNS]
# CORE_SETS, CASES ("model:rows" pairs), EXTRA_ENV (e.g. "OMP_WAIT_POLICY=ACTIVE") and
# JAVA_OPTS (e.g. "-Dplanline.cpu.parallel-work=1048576") override the defaults. Output goes to
# standard output and $OUT/probe.txt.
set -uo pipefail
out=${OUT:-/tmp/planline-probe}
runs=${1:-300}
mkdir -p "$out"
tar xJf .devcpu.txz -C /tmp || { echo "cpu_probe: cannot unpack .devcpu.txz (carry it)" >&2; exit 2; }
dir=/tmp/devcpu
export PATH="$dir/jre/bin:$PATH"
export LD_LIBRARY_PATH="$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
inputs=$(mktemp -d)
# request files: tiny-gpt tokens and digits-cnn images of the given rows, fixed seed
python3 - "$inputs" <<'PY'
import json, random, sys
random.seed(7)
for rows in (1, 8, 16, 64):
    tokens = [random.randrange(256) for _ in range(rows * 64)]
    json.dump({"inputs": [{"name": "tokens", "shape": [rows, 64], "datatype": "INT64",
                           "data": tokens}]}, open(f"{sys.argv[1]}/tiny-gpt-{rows}.json", "w"))
    pixels = [random.random() * 16 for _ in range(rows * 64)]
    json.dump({"inputs": [{"name": "x", "shape": [rows, 1, 8, 8], "datatype": "FP32",
                           "data": pixels}]}, open(f"{sys.argv[1]}/digits-cnn-{rows}.json", "w"))
PY
{
  lscpu | grep -E "Model name|^CPU\(s\)|Thread|Core|Socket|NUMA|MHz|L2|L3"
  grep -o -w -E "avx2|avx512f|avx512_bf16|amx_tile" /proc/cpuinfo | sort | uniq -c
  echo "perf: $(command -v perf || echo absent)"
  for cores in ${CORE_SETS:-0 0-1 0-7 0-15}; do
    for c in ${CASES:-tiny-gpt:1 tiny-gpt:16 digits-cnn:64}; do
      model=${c%%:*} rows=${c##*:}
      echo "== $model [$rows] on cores $cores ${EXTRA_ENV:-} ${JAVA_OPTS:-}"
      env ${EXTRA_ENV:-} taskset -c "$cores" java ${JAVA_OPTS:-} -jar "$dir/planline.jar" run "$model" \
        --input "$inputs/$model-$rows.json" --profile "$runs" 2>&1 \
        | grep -E "^profile:|^  (aten|cpp|mkldnn)" | head -8
    done
  done
} 2>&1 | tee "$out/probe.txt"
