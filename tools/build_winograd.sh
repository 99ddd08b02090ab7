#!/usr/bin/env bash
# Builds planline's Winograd kernel, src/main/c/planline_winograd.c, into the resource
# kernel/WinogradConv loads (src/main/resources/linux-x86-64/libplanline_winograd.so). The
# built file is committed, as the call helper and the built-in models' kernel libraries are,
# so that a build needs no C compiler; rerun this after changing the source. The file is built
# for plain x86-64 and its kernels for AVX-512 (a pragma in the source): the library loads
# anywhere and says itself whether the processor runs them. It needs GCC's OpenMP runtime
# (libgomp.so.1), which Inductor's kernels and oneDNN already use.
#
#   tools/build_winograd.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/main/resources/linux-x86-64/libplanline_winograd.so
mkdir -p "$(dirname "$out")"
gcc -O3 -march=x86-64 -mtune=generic -fPIC -shared -fopenmp -Wall -Wextra -Werror \
  -Wl,-soname,libplanline_winograd.so -o "$out" src/main/c/planline_winograd.c
strip --strip-unneeded "$out"
ls -l "$out"
