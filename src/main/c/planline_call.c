/*
 * planline's call into a compiled kernel whose parameters are all 64-bit integers or pointers
 * (Inductor's C++ kernels: tensor pointers and int64_t sizes). Java binds planline_call once,
 * through JNA's direct mapping (kernel/DirectCalls), and passes the kernel's address and its
 * arguments in a buffer; a call through JNA's generic Function.invoke converts each argument
 * object on every call instead (NativeCallBench: 0.71-0.74 against 0.25-0.40 µs for a kernel
 * with 3 parameters, 3.3-4.4 against 0.79-1.17 µs for one with 16).
 *
 * On x86-64 (System V) the first six integer arguments travel in registers and the rest on the
 * stack, eight bytes each, so casting the address to a function of n int64_t parameters passes
 * n pointer or int64_t arguments exactly as the kernel's own declaration would. An int32_t
 * parameter reads the low half of its slot, which holds the same value.
 *
 * Built without the C library (it calls nothing): tools/build_native_call.sh.
 */
#include <stdint.h>

typedef int64_t W;

#define T1 W
#define T2 T1, W
#define T3 T2, W
#define T4 T3, W
#define T5 T4, W
#define T6 T5, W
#define T7 T6, W
#define T8 T7, W
#define T9 T8, W
#define T10 T9, W
#define T11 T10, W
#define T12 T11, W
#define T13 T12, W
#define T14 T13, W
#define T15 T14, W
#define T16 T15, W
#define T17 T16, W
#define T18 T17, W
#define T19 T18, W
#define T20 T19, W
#define T21 T20, W
#define T22 T21, W
#define T23 T22, W
#define T24 T23, W

#define V1 a[0]
#define V2 V1, a[1]
#define V3 V2, a[2]
#define V4 V3, a[3]
#define V5 V4, a[4]
#define V6 V5, a[5]
#define V7 V6, a[6]
#define V8 V7, a[7]
#define V9 V8, a[8]
#define V10 V9, a[9]
#define V11 V10, a[10]
#define V12 V11, a[11]
#define V13 V12, a[12]
#define V14 V13, a[13]
#define V15 V14, a[14]
#define V16 V15, a[15]
#define V17 V16, a[16]
#define V18 V17, a[17]
#define V19 V18, a[18]
#define V20 V19, a[19]
#define V21 V20, a[20]
#define V22 V21, a[21]
#define V23 V22, a[22]
#define V24 V23, a[23]

#define CALL(n) \
  case n: \
    *result = ((W (*)(T##n)) fn)(V##n); \
    return 0;

/*
 * Calls fn with a[0], ..., a[n - 1] and stores what it returns in *result; returns 0, or -1 for
 * n outside [0, 24]. Kernels are void functions: called as functions returning a word, they
 * leave rax as it happened to be, which planline_call ignores. A kernel's guarded entry point
 * (the exporter's `NAME__guarded`) returns null or its C++ exception's message there.
 */
int32_t planline_call_value(void *fn, const W *a, int32_t n, W *result) {
  switch (n) {
    case 0:
      *result = ((W (*)(void)) fn)();
      return 0;
    CALL(1)
    CALL(2)
    CALL(3)
    CALL(4)
    CALL(5)
    CALL(6)
    CALL(7)
    CALL(8)
    CALL(9)
    CALL(10)
    CALL(11)
    CALL(12)
    CALL(13)
    CALL(14)
    CALL(15)
    CALL(16)
    CALL(17)
    CALL(18)
    CALL(19)
    CALL(20)
    CALL(21)
    CALL(22)
    CALL(23)
    CALL(24)
    default:
      return -1;
  }
}

/* Calls fn with a[0], ..., a[n - 1], ignoring what it returns; as planline_call_value. */
int32_t planline_call(void *fn, const W *a, int32_t n) {
  W ignored;
  return planline_call_value(fn, a, n, &ignored);
}
