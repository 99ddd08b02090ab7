#!/usr/bin/env bash
# Assembles what tools/gpu/run.sh needs on a GPU machine that has no Java, into a git-ignored
# folder (default .devwork) of the checkout that travels there:
#   jre/      a jlink'd Java 17 runtime (java.base + what the jars use; about 40 MB)
#   lib/      the runtime jars the backend uses (no Micronaut/Netty: the proof needs none),
#   junit-console.jar  JUnit's console launcher (with JUnit itself) for the gpu-tagged tests
#   classes/  target/classes (PTX under cuda/, built-in models), test-classes/
#   native/   libJCudaDriver-12.6.0-linux-x86_64.so, the only JCuda library loaded
#   tools/    tools/gpu and the model definitions, for the PyTorch side
# Run from the repository root after `mvn -q test-compile` (with nvcc on the PATH):
#   bash tools/gpu/bundle.sh [DEST]
set -euo pipefail
dest=${1:-.devwork}
root=$(pwd)
test -f target/classes/cuda/gemm.ptx || { echo "bundle: no PTX in target/classes (build with nvcc on the PATH)" >&2; exit 1; }
mkdir -p "$dest"
if [ ! -x "$dest/jre/bin/java" ]; then
  jlink --add-modules java.base,java.logging,java.management,java.naming,jdk.unsupported,java.sql,java.xml,jdk.jfr \
    --strip-debug --no-header-files --no-man-pages --compress=2 --output "$dest/jre"
fi
rm -rf "$dest/lib" "$dest/classes" "$dest/test-classes" "$dest/native" "$dest/tools"
mkdir -p "$dest/lib" "$dest/native" "$dest/tools"
mvn -B -q dependency:build-classpath -Dmdep.outputFile=/tmp/planline-gpu-cp.txt \
  -Dmdep.includeScope=test >/dev/null
tr ':' '\n' < /tmp/planline-gpu-cp.txt \
  | grep -E '/(jackson-(core|databind|annotations)|reactor-core|reactive-streams|slf4j-api|logback-(classic|core)|jcuda|jspecify|caffeine|jna|javacpp|openblas)-[0-9]' \
  | grep -v natives | grep -v 'openblas-.*-linux-x86_64' | xargs -I{} cp {} "$dest/lib/"
console=org/junit/platform/junit-platform-console-standalone/1.14.0/junit-platform-console-standalone-1.14.0.jar
if [ ! -f "$HOME/.m2/repository/$console" ]; then
  mvn -B -q dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.0 >/dev/null
fi
cp "$HOME/.m2/repository/$console" "$dest/junit-console.jar"
cp -r target/classes "$dest/classes"
find "$dest/classes" -name '*.onnx' -delete # ONNX exports: not used here, 2 MB of the 64
cp -r target/test-classes "$dest/test-classes"
natives=$(ls "$HOME"/.m2/repository/org/jcuda/jcuda-natives/12.6.0/jcuda-natives-12.6.0-linux-x86_64.jar)
(cd "$dest/native" && unzip -q -j -o "$natives" lib/libJCudaDriver-12.6.0-linux-x86_64.so)
cp -r tools/gpu "$dest/tools/gpu"
cp tools/planline_models.py tools/planline_export.py tools/planline_symbolic.py "$dest/tools/"
du -sh "$dest"
