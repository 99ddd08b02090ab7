#!/usr/bin/env bash
# Dynamic batching off against on (tools/loadtest-batching.sh) on the lent machine, whose 16
# cores let the server and the load generator run apart, which the 2-core build machine cannot.
# From the repository root, with .devcpu.txz from tools/loadtest/bundle_lent.sh carried along:
#   bash tools/loadtest/lent_batching.sh [DURATION]
# The server gets cores 0-7 and hey cores 8-15 unless SERVER_CPUS / LOADGEN_CPUS say otherwise;
# ROUNDS, WARMUP, MODELS and the other settings of loadtest-batching.sh pass through. The table
# goes to standard output and to $OUT/batching.md, the server's log to $OUT/server.log.
set -uo pipefail
out=${OUT:-/tmp/planline-batching}
mkdir -p "$out" target
# LENT_BUNDLE=.devsrv.txz (tools/gpu/bundle_server.sh, packed with xz) serves on the CUDA backend
bundle=${LENT_BUNDLE:-.devcpu.txz}
dir=/tmp/devcpu
if [ "$bundle" = .devsrv.txz ]; then
  dir=/tmp/.devsrv
  export BACKEND=cuda
  source tools/gpu/libs.sh
fi
tar xJf "$bundle" -C /tmp || { echo "lent_batching: cannot unpack $bundle (carry it)" >&2; exit 2; }
ln -sf "$dir/planline.jar" target/planline.jar
export PATH="$dir/jre/bin:$dir:$PATH"
export LD_LIBRARY_PATH="$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export SERVER_CPUS=${SERVER_CPUS:-0-7} LOADGEN_CPUS=${LOADGEN_CPUS:-8-15}
bash tools/loadtest-batching.sh "${1:-8s}" 2>&1 | tee "$out/batching.md"
status=${PIPESTATUS[0]}
cp /tmp/planline-batching-bench.log "$out/server.log" 2>/dev/null
# the figures only stand for the default server if oneDNN and the compiled kernels loaded (on
# the CPU) or the CUDA backend started
if [ "${BACKEND:-}" = cuda ]; then
  grep -q -i "cuda" "$out/server.log" || { echo "lent_batching: no CUDA backend in the log" >&2; status=1; }
elif grep -E "oneDNN not available|compiled kernels cannot run" "$out/server.log"; then
  echo "lent_batching: the server fell back to slower paths (above); these figures do not count" >&2
  status=1
fi
exit "$status"
