#!/usr/bin/env bash
# Where the host's time goes when a request is launched one by one, on the lent GPU machine, with
# the bundle of tools/gpu/bundle.sh:
#   bash tools/gpu/launch_profile.sh MODEL:BATCH...           e.g. vit:1
# For each model: InductorGpuProof under Java Flight Recorder, sampling Java and native frames
# every millisecond (the stock "profile" settings sample every 10 and 20 ms, too coarse for a
# request of 3 ms), then tools/gpu/kernel_gaps.sh for the device's side of the same requests.
# The recordings are summarised there (tools/gpu/jfr_top.py: top frames per thread, self and
# inclusive) and the trace by position in the request (kernel_gaps.py --positions); summaries,
# logs and recordings land in one archive, $OUT/profile.txz (the machine returns few, small
# files). PLANLINE_PROFILE_GAPS=0 skips the trace.
set -uo pipefail
bundle=${PLANLINE_GPU_BUNDLE:-.devwork}
final=${OUT:-/tmp/planline-gpu}
work=$(mktemp -d)
jfc="$work/sampling.jfc"
sed -E 's#(control="method-sampling-(java|native)-interval">)[^<]*<#\11 ms<#' \
  "$bundle/jre/lib/jfr/profile.jfc" > "$jfc"
status=0
for item in "$@"; do
  name="${item%%:*}-b${item##*:}"
  OUT="$work/proof-$name" PLANLINE_GPU_SKIP_TORCH=1 \
    PLANLINE_GPU_JAVA_OPTS="-XX:StartFlightRecording=filename=$work/$name.jfr,settings=$jfc" \
    bash tools/gpu/inductor_proof.sh "$item" > "$work/proof-$name.log" 2>&1 || status=1
  grep -E "error|p50|enqueue" "$work/proof-$name.log" | head -20
  "$bundle/jre/bin/jfr" print --events jdk.ExecutionSample,jdk.NativeMethodSample --stack-depth 16 \
    "$work/$name.jfr" | python3 tools/gpu/jfr_top.py --top 30 > "$work/jfr-$name.txt"
  head -150 "$work/jfr-$name.txt"
done
if [ "${PLANLINE_PROFILE_GAPS:-1}" = 1 ]; then
  OUT="$work/gaps" bash tools/gpu/kernel_gaps.sh "$@" > "$work/gaps.log" 2>&1 || status=1
  tail -40 "$work/gaps.log"
  for trace in "$work"/gaps/trace-*.csv.gz; do
    [ -f "$trace" ] || continue
    gunzip -c "$trace" > "${trace%.gz}"
    python3 tools/gpu/kernel_gaps.py --positions 20 "${trace%.gz}" | tee "${trace%.csv.gz}-positions.txt"
    rm -f "$trace" "${trace%.gz}" # the traces are too large to come back
  done
fi
mkdir -p "$final"
# the recordings and summaries; traces and exports stay behind (the machine returns small files)
tar cJf "$final/profile.txz" -C "$work" --exclude='proof-*/models*' .
rm -rf "$work"
exit $status
