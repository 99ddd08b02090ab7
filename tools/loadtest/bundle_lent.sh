#!/usr/bin/env bash
# Packs what tools/loadtest/lent_batching.sh needs to run the server on the CPU backend on the
# lent machine (16 cores, no Java, no hey) into one xz archive, .devcpu.txz, that travels with
# the checkout (`carry`). The checkout plus the archive must stay under the 64 MiB a call may
# carry, so the archive holds only what the CPU server loads:
#   jre/          a jlink'd Java 17 runtime, uncompressed so that xz compresses it further
#   planline.jar  target/planline.jar, stored (not deflated) for the same reason, without the
#                 CUDA natives, OpenBLAS's natives (oneDNN runs the built-in models' products;
#                 Blas falls back when its natives are absent), ONNX exports and other
#                 platforms' JNA libraries
#   lib/          SLEEF's and GCC's OpenMP runtimes (Debian libsleef3, libgomp1), which the
#                 built-in models' compiled kernels link and the lent machine lacks
#   hey           the load generator (/usr/bin/hey, Debian package hey)
# Run from the repository root after `mvn -B -q package -DskipTests`:
#   bash tools/loadtest/bundle_lent.sh
set -euo pipefail
command -v hey >/dev/null || { echo "bundle_lent: install hey first (apt-get install hey)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/devcpu" "$work/jar"
jlink --add-modules java.base,java.naming,java.sql,jdk.jfr,jdk.management,jdk.unsupported,java.logging,java.management,java.xml,jdk.crypto.ec,jdk.zipfs \
  --strip-debug --no-header-files --no-man-pages --compress=0 --output "$work/devcpu/jre"
(cd "$work/jar" && unzip -q "$OLDPWD/target/planline.jar")
(cd "$work/jar" && rm -rf lib/libJNvPTXCompiler* lib/libJCuda* cuda org/bytedeco/openblas/linux-x86_64 \
  org/bytedeco/*/linux-x86_64/include \
  com/sun/jna/aix-* com/sun/jna/win32-* com/sun/jna/darwin-* com/sun/jna/sunos-* com/sun/jna/*bsd-* \
  com/sun/jna/linux-[a-wy]* com/sun/jna/linux-x86 \
  && find . -name '*.onnx' -delete \
  && zip -q -0 -r "$work/devcpu/planline.jar" META-INF/MANIFEST.MF .)
cp "$(command -v hey)" "$work/devcpu/hey"
mkdir -p "$work/devcpu/lib"
cp -L /usr/lib/x86_64-linux-gnu/libsleef.so.3 /usr/lib/x86_64-linux-gnu/libgomp.so.1 "$work/devcpu/lib/"
tar cf - -C "$work" devcpu | xz -T0 -6 > .devcpu.txz
ls -l .devcpu.txz
