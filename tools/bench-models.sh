#!/usr/bin/env bash
# Latency and throughput of the built-in models under each planner on the CPU backend, beside
# ONNX Runtime for Java on the same models, in one run (io.planline.bench.ModelBench).
#
#   tools/bench-models.sh [SECONDS_PER_MEASUREMENT]     default 2
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile
cp=$(mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
exec java -cp "target/test-classes:target/classes:$cp" io.planline.bench.ModelBench "${1:-2}"
