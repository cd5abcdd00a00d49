#!/bin/bash
# Builds xnnpack_vs_fastact: fastact's AVX2 kernels (this checkout's headers) and the XNNPACK
# microkernels it times, compiled from an XNNPACK source checkout given as the first argument.
#   benchmarks/xnnpack/build.sh /path/to/XNNPACK && /tmp/xnnpack_vs_fastact
set -euo pipefail
XNNPACK=${1:?usage: build.sh XNNPACK_SOURCE_DIR [OUTPUT]}
OUT=${2:-/tmp/xnnpack_vs_fastact}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# The microkernels include xnnpack.h, which wants pthreadpool's header for one typedef.
mkdir -p "$WORK/stub"
echo "typedef struct pthreadpool* pthreadpool_t;" > "$WORK/stub/pthreadpool.h"
KERNELS="src/f32-vsigmoid/gen/f32-vsigmoid-avx2-rr1-p5-div-u16.c
src/f32-vsigmoid/gen/f32-vsigmoid-avx2-rr1-p5-nr1fma-u16.c
src/f32-vtanh/gen/f32-vtanh-fma3-rational-9-8-div.c
src/f32-vtanh/gen/f32-vtanh-fma3-rational-9-8-nr.c
src/f32-velu/gen/f32-velu-avx2-rr1-p6-u16.c
src/f32-velu/gen/f32-velu-avx2-rr1-lut4-p4-perm-u16.c
src/f32-vgelu/gen/f32-vgelu-fma3-rational-12-10-div.c
src/f32-vapproxgelu/gen/f32-vapproxgelu-fma3-rational-12-10-div.c"
OBJECTS=()
for k in $KERNELS; do
  o="$WORK/$(basename "$k" .c).o"
  gcc -std=c11 -O2 -mavx2 -mfma -mf16c -I"$XNNPACK" -I"$XNNPACK/include" -I"$WORK/stub" -c "$XNNPACK/$k" -o "$o"
  OBJECTS+=("$o")
done
# fastact's side with the flags of its AVX2 translation unit (CMakeLists.txt).
g++ -std=c++17 -O3 -mavx2 -mfma -mf16c -ffp-contract=off --param=large-function-growth=2000 \
  --param=inline-unit-growth=2000 --param=max-inline-insns-single=2000 -I"$ROOT/cpp/src" \
  "$HERE/xnnpack_vs_fastact.cpp" "${OBJECTS[@]}" -o "$OUT"
echo "built $OUT"
