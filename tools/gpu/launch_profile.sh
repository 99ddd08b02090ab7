#!/usr/bin/env bash
# Where the host's time goes when a request is launched one by one, on the lent GPU machine, with
# the bundle of tools/gpu/bundle.sh:
#   bash tools/gpu/launch_profile.sh MODEL:BATCH...           e.g. vit:1
# For each model: InductorGpuProof under Java Flight Recorder, sampling Java and native frames
# every millisecond (the stock "profile" settings sample every 10 and 20 ms, too coarse for a
# request of 3 ms), then tools/gpu/kernel_gaps.sh for the device's side of the same requests.
# Everything lands in one archive, $OUT/profile.tgz (the machine returns only a few files);
# read the recordings here with `jfr print --events jdk.ExecutionSample,jdk.NativeMethodSample`.
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
done
OUT="$work/gaps" bash tools/gpu/kernel_gaps.sh "$@" > "$work/gaps.log" 2>&1 || status=1
tail -40 "$work/gaps.log"
mkdir -p "$final"
tar czf "$final/profile.tgz" -C "$work" .
rm -rf "$work"
exit $status
