package io.planline.backend.cuda;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import org.jspecify.annotations.Nullable;

/**
 * The few words of cuBLASLt that {@link CublasLt} speaks: enum numbers from {@code cublasLt.h}
 * (CUDA 12 and 13 agree) and the C entry points through JNA's direct mapping, pointers passed
 * as addresses.
 */
final class CublasLtApi {

  private CublasLtApi() {}

  static final int COMPUTE_32F = 68;
  static final int COMPUTE_32F_FAST_TF32 = 77;
  static final int R_32F = 0;
  static final int DESC_TRANSA = 3;
  static final int DESC_TRANSB = 4;
  static final int DESC_EPILOGUE = 7;
  static final int DESC_BIAS_POINTER = 8;
  static final int EPILOGUE_BIAS = 4;
  static final int LAYOUT_BATCH_COUNT = 5;
  static final int LAYOUT_STRIDED_BATCH_OFFSET = 6;
  static final int PREF_MAX_WORKSPACE_BYTES = 1;
  /** {@code CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES}; B, C and D follow it. */
  static final int PREF_MIN_ALIGNMENT_A = 5;
  /** {@code cublasLtMatmulHeuristicResult_t}: a 64-byte algorithm, size_t workspace, state. */
  static final int RESULT_BYTES = 96;
  static final int ALGO_BYTES = 64;

  /** The C entry points, through JNA's direct mapping; pointers pass as addresses. */
  static final class Calls {
    private static @Nullable String bound;

    static native int cublasLtCreate(long handleOut);

    static native int cublasLtDestroy(long handle);

    static native int cublasLtMatmulDescCreate(long descOut, int computeType, int scaleType);

    static native int cublasLtMatmulDescDestroy(long desc);

    static native int cublasLtMatmulDescSetAttribute(long desc, int attr, long value, long size);

    static native int cublasLtMatrixLayoutCreate(long layoutOut, int type, long rows, long cols,
        long ld);

    static native int cublasLtMatrixLayoutDestroy(long layout);

    static native int cublasLtMatrixLayoutSetAttribute(long layout, int attr, long value,
        long size);

    static native int cublasLtMatmulPreferenceCreate(long prefOut);

    static native int cublasLtMatmulPreferenceDestroy(long pref);

    static native int cublasLtMatmulPreferenceSetAttribute(long pref, int attr, long value,
        long size);

    static native int cublasLtMatmulAlgoGetHeuristic(long handle, long desc, long a, long b,
        long c, long d, long pref, int requested, long results, long returned);

    static native int cublasLtMatmul(long handle, long desc, long alpha, long a, long aDesc,
        long b, long bDesc, long beta, long c, long cDesc, long d, long dDesc, long algo,
        long workspace, long workspaceBytes, long stream);

    static synchronized void bind(String library) {
      if (bound == null) {
        Native.register(Calls.class, NativeLibrary.getInstance(library));
        bound = library;
      }
    }
  }

}
