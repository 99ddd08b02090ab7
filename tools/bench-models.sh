#!/usr/bin/env bash
# Latency and throughput of the built-in models on the CPU backend (Java kernels, and Inductor's
# compiled kernels where this machine runs them), beside ONNX Runtime for Java on the same
# models, in one run (io.planline.bench.ModelBench).
#
#   tools/bench-models.sh [--json] [--seconds S] [--warmup S] [--only NAME] [--no-java]
#                         [--rounds N] [FOLDER...]
#   (default 2 s per measurement; --warmup: seconds of calls before each, default 0; --only:
#   models whose name contains NAME; --no-java: skip the built-in models' Java-kernel rows;
#   --rounds: every engine of a model measured N times, the engines in turn, so that a noisy
#   machine's slow spells fall on each; the rows give medians and each round's ratio)
# A model folder is measured at batch 1 and 8: its first input random, any other input (an
# attention mask, a decoder's ids) its sample's rows repeated to the batch.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile
cp=$(mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
exec java -cp "target/test-classes:target/classes:$cp" io.planline.bench.ModelBench "$@"
