#!/usr/bin/env bash
# The fixed cost of one request (a trivial one-kernel program) through the in-process path
#
#   tools/bench-overhead.sh [--seconds S]      default 3 s
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile
cp=$(mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
exec java -cp "target/test-classes:target/classes:$cp" io.planline.bench.RequestOverheadBench "$@"
