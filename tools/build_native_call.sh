#!/usr/bin/env bash
# Builds planline's one native helper, src/main/c/planline_call.c, into the resource JNA loads
# it from (src/main/resources/linux-x86-64/libplanline_call.so; kernel/DirectCalls). The built
# file is committed, as the built-in models' kernel libraries are, so that a build needs no C
# compiler; rerun this after changing the source. It uses no C library, so it loads on any
# x86-64 Linux.
#
#   tools/build_native_call.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/main/resources/linux-x86-64/libplanline_call.so
mkdir -p "$(dirname "$out")"
gcc -O2 -fPIC -shared -nostdlib -fno-stack-protector -Wall -Wextra -Werror \
  -Wl,-soname,libplanline_call.so -o "$out" src/main/c/planline_call.c
strip --strip-unneeded "$out"
ls -l "$out"
