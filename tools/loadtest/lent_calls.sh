#!/usr/bin/env bash
# On the lent machine: the server with Inductor's kernels called through planline's helper
# (kernel/DirectCalls) against JNA's calls (-Dplanline.direct-calls=false), one client, p50 and
# requests/s per model, rounds alternating the two; and a check that the helper loaded from the
# bundled jar (no "helper did not load" line in the server's log). Carry .devcpu.txz
# (bundle_lent.sh) and run from the repository root:
#   bash tools/loadtest/lent_calls.sh [DURATION]      (default 5s per measurement)
# CORES (default 0-1) pins the server; ROUNDS (default 2).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
out=${OUT:-/tmp/planline-calls}
mkdir -p "$out"
use_devcpu lent_calls || exit 2
duration=${1:-5s}
PORT=8094
cases=("digits-mlp tools/loadtest/digits-mlp.json" "digits-cnn tools/loadtest/digits-cnn.json"
  "digits-cnn examples/digits-cnn-64.json")
machine_line
status=0
for round in $(seq "${ROUNDS:-2}"); do
  for calls in jna helper; do
    opts=()
    [ "$calls" = jna ] && opts=(-Dplanline.direct-calls=false)
    log="$out/server-$calls-$round.log"
    if ! start_server "$log" "${CORES:-0-1}" /tmp/devcpu/planline.jar "${opts[@]}"; then
      echo "lent_calls: the server did not start (see $log)" >&2
      status=1
      continue
    fi
    for c in "${cases[@]}"; do
      set -- $c
      read -r rps p50 p99 codes bad < <(one_client "$1" "$2" 2000 "$duration")
      echo "round $round calls $calls $1 $(basename "$2"): p50 $p50 ms p99 $p99 ms $rps req/s" \
        "codes $codes"
      [ "$bad" = 0 ] || status=1
    done
    stop_server
    if [ "$calls" = helper ] && grep -q "helper did not load" "$log"; then
      echo "lent_calls: the helper did not load here:" >&2
      grep "helper did not load" "$log" >&2
      status=1
    fi
  done
done
exit "$status"
