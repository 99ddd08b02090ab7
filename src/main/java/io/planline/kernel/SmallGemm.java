package io.planline.kernel;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The matrix product for a few rows of A ({@code M ≤ Gemm.SMALL_M}), where packing B would cost
 * more than multiplying: each row of C is built straight from B's memory, on the calling thread.
 *
 * <pre>
 *   B's columns contiguous (a weight used as w.t()):  c[i, j] = a[i, :] . b[:, j]   (dots)
 *   otherwise, row by row of B:                       c[i, :] += a[i, k] * b[k, :]  (axpys)
 * </pre>
 */
final class SmallGemm {

  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[3][0]);

  private SmallGemm() {}

  /** Same contract as {@code Gemm.run}, for small M. */
  static void run(Tensor a, Tensor b, Tensor c, @Nullable Tensor init, float beta, float alpha) {
    int batches = Math.toIntExact(a.shapeRef()[0]);
    int m = Math.toIntExact(a.shapeRef()[1]);
    int k = Math.toIntExact(a.shapeRef()[2]);
    int n = Math.toIntExact(b.shapeRef()[2]);
    long[] sa = a.strideRef();
    long[] sb = b.strideRef();
    long[] sc = c.strideRef();
    float[] arow = scratch(0, k);
    float[] line = scratch(1, Math.max(k, n));
    float[] crow = scratch(2, n);
    boolean columns = sb[1] == 1 && sb[2] != 1;
    for (int batch = 0; batch < batches; batch++) {
      for (int i = 0; i < m; i++) {
        Rows.loadFloats(a, a.byteOffset() + (int) ((batch * sa[0] + i * sa[1]) * 4), k, sa[2],
            arow, 0);
        Arrays.fill(crow, 0, n, 0f);
        if (columns) {
          for (int j = 0; j < n; j++) {
            Rows.loadFloats(b, b.byteOffset() + (int) ((batch * sb[0] + j * sb[2]) * 4), k, 1,
                line, 0);
            float sum = 0;
            for (int kk = 0; kk < k; kk++) {
              sum += arow[kk] * line[kk];
            }
            crow[j] = sum;
          }
        } else {
          for (int kk = 0; kk < k; kk++) {
            Rows.loadFloats(b, b.byteOffset() + (int) ((batch * sb[0] + kk * sb[1]) * 4), n,
                sb[2], line, 0);
            float x = arow[kk];
            for (int j = 0; j < n; j++) {
              crow[j] += x * line[j];
            }
          }
        }
        finish(init, beta, alpha, batch, i, n, crow, line);
        Rows.storeFloats(c, c.byteOffset() + (int) ((batch * sc[0] + i * sc[1]) * 4), n, sc[2],
            crow, 0);
      }
    }
  }

  /** crow = alpha * crow + beta * init[batch, i, :]. */
  private static void finish(@Nullable Tensor init, float beta, float alpha, int batch, int i,
      int n, float[] crow, float[] tmp) {
    if (init == null) {
      if (alpha != 1f) {
        for (int j = 0; j < n; j++) {
          crow[j] *= alpha;
        }
      }
      return;
    }
    long[] si = init.strideRef();
    Rows.loadFloats(init, init.byteOffset() + (int) ((batch * si[0] + i * si[1]) * 4), n, si[2],
        tmp, 0);
    for (int j = 0; j < n; j++) {
      crow[j] = alpha * crow[j] + beta * tmp[j];
    }
  }

  private static float[] scratch(int slot, int size) {
    float[][] s = SCRATCH.get();
    if (s[slot].length < size) {
      s[slot] = new float[size];
    }
    return s[slot];
  }
}
