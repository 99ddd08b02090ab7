#!/usr/bin/env bash
# Assembles what tools/gpu/serve_proof.sh needs on the GPU machine (no Java there), into a
# git-ignored folder (default .devsrv) that travels with the checkout:
#   jre/           a jlink'd Java 17 runtime with the modules the server jar uses (jdeps)
#   planline.jar   target/planline.jar without the CPU-only natives (OpenBLAS, oneDNN, JCuda's
#                  PTX compiler): the server on backend cuda loads none of them, and the bundle
#                  must fit the 64 MiB a command may carry
#   hey            the load generator, when this machine has it (tools/loadtest-batching.sh)
# Run from the repository root after `mvn -q package -DskipTests`, then compress with xz (the
# checkout plus the bundle must stay under 64 MiB; the JRE is left uncompressed for xz):
#   bash tools/gpu/bundle_server.sh [DEST] && tar cf - .devsrv | xz -T0 -6 > .devsrv.txz
set -euo pipefail
dest=${1:-.devsrv}
mkdir -p "$dest"
if [ ! -x "$dest/jre/bin/java" ]; then
  modules=$(jdeps --multi-release 17 --ignore-missing-deps --print-module-deps target/planline.jar)
  jlink --add-modules "$modules,java.logging,java.management,java.xml,jdk.crypto.ec,jdk.zipfs" \
    --strip-debug --no-header-files --no-man-pages --compress=0 --output "$dest/jre"
fi
cp target/planline.jar "$dest/planline.jar"
zip -q -d "$dest/planline.jar" 'org/bytedeco/openblas/linux-x86_64/*' 'lib/libJNvPTXCompiler*' \
  '*.onnx' 'com/sun/jna/aix-*' 'com/sun/jna/win32-*' 'com/sun/jna/darwin-*' 'com/sun/jna/sunos-*' \
  'com/sun/jna/freebsd-*' 'com/sun/jna/openbsd-*' 'com/sun/jna/dragonflybsd-*' \
  'com/sun/jna/linux-[a-wy]*' 'com/sun/jna/linux-x86/*' 'org/bytedeco/javacpp/[a-km-z]*-*/*' \
  'org/bytedeco/javacpp/linux-[a-wy]*/*' 'org/bytedeco/dnnl/linux-x86_64/*' \
  'org/bytedeco/opencl/linux-x86_64/*' >/dev/null || true
# stored rather than deflated, so that xz compresses the jar with the rest (54 -> 36 MB)
work=$(mktemp -d)
(cd "$work" && unzip -q "$OLDPWD/$dest/planline.jar") && rm "$dest/planline.jar"
(cd "$work" && zip -q -0 -r "$OLDPWD/$dest/planline.jar" META-INF/MANIFEST.MF .)
rm -rf "$work"
if command -v hey >/dev/null; then cp "$(command -v hey)" "$dest/hey"; fi
du -sh "$dest"
