#!/usr/bin/env bash
# Two builds of planline alternated on the same exports, on the lent GPU machine, from the
# repository root with the bundle of tools/gpu/bundle.sh in .devwork (this code) and a second
# one in .devwork-old (the code to compare with):
#   bash tools/gpu/code_ab.sh MODEL:BATCH...
# Make .devwork-old from a worktree of the older commit after `mvn -q test-compile` there: its
# target/classes and target/test-classes, and links to .devwork's jre, lib, native, tools and
# junit-console.jar (the runtime jars are the same unless the pom changed). Exports each model
# not exported yet in this call, then runs InductorGpuProof old, new, old, new (tools/gpu/options_ab.sh); results in
# $OUT/ab-ROUND/{old,new}/. PLANLINE_AB_ROUNDS (default 2), PLANLINE_GPU_SECONDS (default 1).
set -uo pipefail
out=${OUT:-/tmp/planline-gpu}
[ -d .devwork-old/classes ] || { echo "no .devwork-old/classes: see the header" >&2; exit 2; }
status=0
for round in $(seq "${PLANLINE_AB_ROUNDS:-2}"); do
  for code in old new; do
    bundle=.devwork; [ $code = old ] && bundle=.devwork-old
    PLANLINE_GPU_BUNDLE=$bundle PLANLINE_REUSE_EXPORTS=1 \
      PLANLINE_GPU_SECONDS=${PLANLINE_GPU_SECONDS:-1} PLANLINE_AB="$code=-Dplanline.ab=$code" \
      OUT=$out/ab-$round bash tools/gpu/options_ab.sh "$@" | grep -E "error|graphs" \
      | cut -c1-160 || status=1
  done
done
exit $status
