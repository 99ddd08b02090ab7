package io.planline.backend.cuda;

import org.jspecify.annotations.Nullable;

/**
 * Row-major planline products on column-major cuBLAS. {@code out[M,N] = x[M,K] @ y[K,N]} is, read
 * column-major, {@code out' = y' x'}: cuBLAS's A is {@code y}, its B is {@code x}, and each
 * operand is passed as it lies in memory — rows contiguous (no transpose, the row stride is the
 * leading dimension) or columns contiguous (transposed, the column stride is). Operands with
 * neither layout, and outputs whose rows are not contiguous, are left to planline's own kernels.
 */
final class CublasProducts {

  private CublasProducts() {}

  /** How one operand is passed: transposed or not, and its leading dimension. */
  private record Operand(int op, int ld) {}

  /**
   * Enqueues {@code out = beta * self + alpha * (x @ y)} on cuBLAS when the layouts allow it.
   * Shapes are {@code [B, M, K] @ [B, K, N] -> [B, M, N]} (B = 1 for 2-D, whose strides come
   * with a 0 batch stride).
   *
   * @return false, having done nothing, when cuBLAS cannot express the product
   */
  static boolean run(Cublas cublas, CudaOps.Invocation inv, CudaTensor x, long[] xs,
      CudaTensor y, long[] ys, CudaTensor out, long[] os, long[] shape,
      @Nullable CudaTensor self, float beta, float alpha) {
    long batches = shape[0];
    long m = shape[1];
    long n = shape[2];
    long k = shape[3];
    if (!fitsInt(batches, m, n, k) || k == 0) {
      return false;
    }
    // cuBLAS's A: y as an n x k matrix; its B: x as a k x m matrix; C: out as n x m
    Operand a = operand(k, n, ys[1], ys[2]);
    Operand b = operand(m, k, xs[1], xs[2]);
    boolean rowsContiguous = (n == 1 || os[2] == 1) && (m == 1 || os[1] >= n);
    if (a == null || b == null || !rowsContiguous || inv.stream() == null
        || (batches > 1 && os[0] < m * n && m * n > 1)) {
      return false;
    }
    int ldc = (int) Math.max(1, m == 1 ? n : os[1]);
    CudaStream stream = inv.stream();
    boolean init = self != null && beta != 0;
    if (init && beta == 1 && batches == 1 && isRowBias(self, out)) {
      // out = alpha x@y + bias in cuBLASLt's epilogue, with no copy of the bias before it
      Cublas.Gemm fused = gemm(a, b, n, m, k, alpha, y, ys, x, xs, 0, out, ldc, os, batches,
          self.address());
      if (cublas.runLt(stream, fused)) {
        return true;
      }
    }
    Cublas.Gemm g = gemm(a, b, n, m, k, alpha, y, ys, x, xs, init ? beta : 0, out, ldc, os,
        batches, 0);
    if (init) {
      cublas.prepare(stream, g); // a first call times algorithms on out: before the copy into it
      ElementwiseLaunches.copy(inv, self, out, false); // C starts as the broadcast bias
    }
    cublas.gemm(stream, g);
    return true;
  }

  /** cuBLAS's {@code C = alpha A B + beta C (+ bias)} with A = y, B = x, C = out. */
  private static Cublas.Gemm gemm(Operand a, Operand b, long n, long m, long k, float alpha,
      CudaTensor y, long[] ys, CudaTensor x, long[] xs, float beta, CudaTensor out, int ldc,
      long[] os, long batches, long bias) {
    return Cublas.Gemm.of(a.op(), b.op(), (int) n, (int) m, (int) k, alpha, y.address(), a.ld(),
        ys[0], x.address(), b.ld(), xs[0], beta, out.address(), ldc, os[0], (int) batches, bias);
  }

  /**
   * Whether {@code self} is one float per output column, the same for every row (a linear
   * layer's bias), 16-byte aligned: what cuBLASLt's bias epilogue adds.
   */
  private static boolean isRowBias(CudaTensor self, CudaTensor out) {
    long[] e = Layouts.expand(self.shapeRef(), self.strideRef(), out.shapeRef());
    return e.length == 2 && e[0] == 0 && (e[1] == 1 || out.shapeRef()[1] == 1)
        && self.address() % 16 == 0;
  }

  /**
   * A {@code rows x cols} row-major operand with strides {@code (s0, s1)}, as cuBLAS reads a
   * {@code cols x rows} column-major matrix: not transposed when its rows are contiguous, else
   * transposed when its columns are; null when neither.
   */
  private static @Nullable Operand operand(long rows, long cols, long s0, long s1) {
    if ((cols == 1 || s1 == 1) && (rows == 1 || s0 >= cols)) {
      long ld = rows == 1 ? Math.max(cols, 1) : s0;
      return ld <= Integer.MAX_VALUE ? new Operand(Cublas.OP_N, (int) ld) : null;
    }
    if ((rows == 1 || s0 == 1) && (cols == 1 || s1 >= rows)) {
      long ld = cols == 1 ? Math.max(rows, 1) : s1;
      return ld <= Integer.MAX_VALUE ? new Operand(Cublas.OP_T, (int) ld) : null;
    }
    return null;
  }

  private static boolean fitsInt(long... values) {
    for (long v : values) {
      if (v > Integer.MAX_VALUE) {
        return false;
      }
    }
    return true;
  }
}
