#!/usr/bin/env bash
# One export, then planline once per set of Java options, on the lent GPU machine, from the
# repository root with the bundle of tools/gpu/bundle.sh in .devwork:
#   PLANLINE_AB='NAME=-Dx=1 -Dy=2|NAME2=-Dx=3' bash tools/gpu/options_ab.sh MODEL:BATCH...
# Exports each model once (tools/gpu/export_inductor.sh), then runs InductorGpuProof on it once
# per variant of PLANLINE_AB ('|' between variants; each NAME=OPTIONS, OPTIONS split on spaces),
# so that a setting is compared on the same exports and the same card within one call.
# Results in $OUT/NAME/ (inductor.json, planline-inductor.log, and each run's whole log).
set -uo pipefail
bundle=${PLANLINE_GPU_BUNDLE:-.devwork}
out=${OUT:-/tmp/planline-gpu}
root=${PLANLINE_EXPORT_ROOT:-/tmp/planline-inductor}
mkdir -p "$out"
[ -n "${PLANLINE_AB:-}" ] || { echo "PLANLINE_AB is not set (NAME=OPTIONS|NAME2=OPTIONS)" >&2; exit 2; }
# PLANLINE_REUSE_EXPORTS=1 keeps the folders an earlier script of this call exported
todo=()
for item in "$@"; do
  [ "${PLANLINE_REUSE_EXPORTS:-0}" = 1 ] && [ -d "$root/${item%%:*}-b${item##*:}" ] || todo+=("$item")
done
[ ${#todo[@]} = 0 ] || bash tools/gpu/export_inductor.sh "$root" "${todo[@]}" > "$out/export.log" 2>&1
source tools/gpu/libs.sh
cp="$bundle/test-classes:$bundle/classes"
for jar in "$bundle"/lib/*.jar; do cp="$cp:$jar"; done
status=0
IFS='|' read -r -a variants <<< "$PLANLINE_AB"
for variant in "${variants[@]}"; do
  name=${variant%%=*}
  read -r -a opts <<< "${variant#*=}"
  mkdir -p "$out/$name"
  for item in "$@"; do
    d="$root/${item%%:*}-b${item##*:}"
    timeout -k 10 -s QUIT "${PLANLINE_GPU_PROOF_S:-150}" "$bundle/jre/bin/java" \
      -Djava.library.path="$bundle/native" -Xms8g -Xmx8g -XX:+AlwaysPreTouch -XX:+UseParallelGC \
      "${opts[@]}" -cp "$cp" \
      io.planline.backend.cuda.InductorGpuProof "$out/$name" "${PLANLINE_GPU_SECONDS:-2}" "$d" \
      > "$out/$name/full-${item/:/-b}.log" 2>&1
    [ $? = 0 ] || status=1
    grep -v ' INFO ' "$out/$name/full-${item/:/-b}.log" | sed "s/^/$name /" \
      | tee -a "$out/$name/planline-inductor.log"
  done
done
exit $status
