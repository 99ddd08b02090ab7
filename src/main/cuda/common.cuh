// Shared by every planline kernel: element types, strided loads and stores, and the packed
// parameter blocks the Java side writes (every field 8 bytes, so no padding can differ).
#pragma once

#define PL_MAXD 8

typedef long long i64;

// Element type codes; io.planline.backend.cuda.Params.dtypeCode must agree.
enum {
  DT_F32 = 0, DT_F64 = 1, DT_I64 = 2, DT_I32 = 3, DT_I16 = 4, DT_I8 = 5, DT_U8 = 6, DT_BOOL = 7
};

// Values travel as double, as in the CPU library: one rounding on store, the same results for
// + - * / and sqrt.
__device__ __forceinline__ double pl_load(const void* base, i64 index, int dt) {
  switch (dt) {
    case DT_F32: return (double) ((const float*) base)[index];
    case DT_F64: return ((const double*) base)[index];
    case DT_I64: return (double) ((const i64*) base)[index];
    case DT_I32: return (double) ((const int*) base)[index];
    case DT_I16: return (double) ((const short*) base)[index];
    case DT_I8: return (double) ((const signed char*) base)[index];
    case DT_U8: return (double) ((const unsigned char*) base)[index];
    default: return ((const unsigned char*) base)[index] != 0 ? 1.0 : 0.0;
  }
}

// Float-to-integer conversions saturate and send NaN to 0 (PTX cvt), as Java's casts do.
__device__ __forceinline__ void pl_store(void* base, i64 index, int dt, double v) {
  switch (dt) {
    case DT_F32: ((float*) base)[index] = (float) v; break;
    case DT_F64: ((double*) base)[index] = v; break;
    case DT_I64: ((i64*) base)[index] = (i64) v; break;
    case DT_I32: ((int*) base)[index] = (int) (i64) v; break;
    case DT_I16: ((short*) base)[index] = (short) (i64) v; break;
    case DT_I8: ((signed char*) base)[index] = (signed char) (i64) v; break;
    case DT_U8: ((unsigned char*) base)[index] = (unsigned char) (i64) v; break;
    default: ((unsigned char*) base)[index] = v != 0.0 ? 1 : 0; break;
  }
}

// A strided operand: device address (bytes), element type and strides in elements.
struct Operand {
  i64 ptr;
  i64 dtype;
  i64 stride[PL_MAXD];
};

// Offsets (elements) of linear index i in a row-major walk over shape, for k operands.
__device__ __forceinline__ void pl_unravel(i64 i, int ndim, const i64* shape,
    const Operand* ops, int k, i64* off) {
  for (int o = 0; o < k; o++) off[o] = 0;
  for (int d = ndim - 1; d >= 0; d--) {
    i64 c = i % shape[d];
    i = i / shape[d];
    for (int o = 0; o < k; o++) off[o] += c * ops[o].stride[d];
  }
}

// Sets the request's error word (host-mapped) so the backend fails the request after the fact:
// a kernel cannot throw, and a trap would poison the whole context.
__device__ __forceinline__ void pl_fail(i64 flag, int code) {
  if (flag != 0) atomicOr((int*) flag, code);
}
