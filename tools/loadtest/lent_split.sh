#!/usr/bin/env bash
# Splitting a lone request along its batch, off against on, through the server on the lent
# machine's cores: `run --profile` (cpu_probe.sh) cannot show it, since `run` serves one request
# at a time on one stream and so never splits. One client sends one request at a time (hey -c 1),
# so every request runs alone and may split; the server gets SERVER_CPUS cores.
# From the repository root, with .devcpu.txz from tools/loadtest/bundle_lent.sh carried along:
#   bash tools/loadtest/lent_split.sh [DURATION]
# CORE_SETS lists the server's core sets (taskset lists; default "0-1 0-11"), hey runs on
# LOADGEN_CPUS (default 12-15); ROUNDS (default 2) alternates off and on. SETTINGS (default
# "off on") may add "old": splitting on, with the classes in the jar OLD_CLASSES (an earlier
# build's changed classes) ahead of planline.jar's, to set two builds side by side. Prints one
# line per case, setting and round: p50 and p99 ms, requests/s; the servers' logs go to $OUT.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
out=${OUT:-/tmp/planline-split}
mkdir -p "$out"
use_devcpu lent_split || exit 2
duration=${1:-6s}
PORT=8093
cases=("digits-cnn examples/digits-cnn-64.json" "tiny-gpt examples/tiny-gpt-8x64.json")
machine_line
status=0
for cores in ${CORE_SETS:-0-1 0-11}; do
  for round in $(seq "${ROUNDS:-2}"); do
    for split in ${SETTINGS:-off on}; do
      opts=()
      [ "$split" = off ] && opts=(-Dplanline.cpu.split-above-micros=0)
      path=/tmp/devcpu/planline.jar
      [ "$split" = old ] && path="${OLD_CLASSES:?SETTINGS has old: set OLD_CLASSES}:$path"
      log="$out/server-$cores-$split-$round.log"
      if ! start_server "$log" "$cores" "$path" "${opts[@]}"; then
        echo "lent_split: the server on cores $cores did not start (see $log)" >&2
        status=1
        continue
      fi
      for c in "${cases[@]}"; do
        set -- $c
        # 400 to warm up: the shape and its parts are planned, the program measured
        read -r rps p50 p99 codes bad < <(one_client "$1" "$2" 400 "$duration")
        echo "cores $cores round $round split $split $1 $(basename "$2"): p50 $p50 ms p99 $p99 ms" \
          "$rps req/s codes $codes"
        [ "$bad" = 0 ] || status=1
      done
      stop_server
      if grep -E "oneDNN not available|compiled kernels cannot run" "$log"; then
        echo "lent_split: the server fell back to slower paths; these figures do not count" >&2
        status=1
      fi
    done
  done
done
exit "$status"
