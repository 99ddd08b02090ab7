package io.planline.kernel;

import com.github.benmanes.caffeine.cache.Cache;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * A few rows times a model's weight (a batch-1 request through a linear layer), on the calling
 * thread. For such a product the general routes cost more than the arithmetic: {@code
 * cblas_sgemm} packs the whole weight on each call ({@code sgemm_incopy} took 30% of digits-mlp
 * [1, 64]'s samples in {@code perf}) and oneDNN's handful of JNI calls cost microseconds. So a
 * single row goes through OpenBLAS's matrix-vector product ({@link GemvRows}), which packs
 * nothing; two to four rows, or one without OpenBLAS or with a weight it cannot read, through
 * Java rows: {@code c[i, :] = sum over k of a[i, k] * w[k, :]}, four rows of w at a time, a loop
 * C2 vectorizes, from a copy of the weight kept on the heap as K rows of N floats
 * (docs/benchmarks.md, "Small products", and session 26 for the matrix-vector route).
 *
 * <p>Only weights marked constant ({@link #markConstant}) are taken, and copied for the Java rows
 * once per view (offset, shape, strides); the copies live as long as the weight's buffer (weak
 * keys).
 */
final class SmallProducts {

  /** Rows of A up to which a product goes here. */
  static final int MAX_M = 4;
  /**
   * Multiply-adds (M x K x N) up to which a product goes here ({@code
   * -Dplanline.small-products.max-macs}, 0 turns this route off). {@code SmallProductsBench},
   * microseconds per call here / on the native route planline took before: 1x64x128 1.1 / 4.9
   * (OpenBLAS), 1x512x64 2.6 / 4.8 (oneDNN), 4x64x128 1.9 / 1.8; past 2^15 oneDNN catches up
   * (1x1024x64 5.7 / 5.0, 2x512x64 5.0 / 2.5).
   */
  static final long MAX_MACS = Long.getLong("planline.small-products.max-macs", 1L << 15);

  /** Weights' buffers (identity, weak), each with the heap copies made of its views. */
  private static final Cache<ByteBuffer, List<Copy>> CONSTANTS =
      Caches.onCallingThread().weakKeys().build();

  /** One view of a weight as [K][N] heap rows. */
  private record Copy(int offset, long k, long n, long rowStride, long colStride,
      float[][] rows) {}

  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[2][0]);

  private SmallProducts() {}

  /** Marks {@code weight}'s buffer as a constant whose views may be copied. */
  static void markConstant(Tensor weight) {
    if (weight.dtype() == io.planline.ir.DType.FLOAT32) {
      CONSTANTS.get(weight.data(), k -> new CopyOnWriteArrayList<>());
    }
  }

  /**
   * {@code c[0] = beta * init[0] + alpha * (a[0] @ b[0])} with the shapes and contract of
   * {@link Gemm#run}, when a has one batch of at most {@link #MAX_M} rows, the product is at
   * most {@link #MAX_MACS} and b is a view of a constant weight. Returns false, having written
   * nothing, otherwise.
   */
  static boolean tryRun(Tensor a, Tensor b, Tensor c, @Nullable Tensor init, float beta,
      float alpha) {
    long[] as = a.shapeRef();
    long[] bs = b.shapeRef();
    if (as[0] != 1 || as[1] > MAX_M || as[1] < 1 || as[2] < 1 || bs[2] < 1
        || as[1] * as[2] * bs[2] > MAX_MACS) {
      return false;
    }
    List<Copy> copies = CONSTANTS.getIfPresent(b.data());
    if (copies == null) {
      return false;
    }
    // one row: OpenBLAS's matrix-vector product; two to four: the Java rows, which read each
    // weight row once for all of them (SmallProductsBench: 2x64x128 0.99 against 1.14 µs)
    if (as[1] > 1 || !GemvRows.tryRun(a, b, c, init, beta, alpha)) {
      javaRows(a, weightRows(copies, b), c, init, beta, alpha);
    }
    return true;
  }

  /**
   * The product of {@link #tryRun}'s shapes in Java, from the heap rows of b, a view of a weight
   * marked constant.
   *
   * @throws IllegalArgumentException if b is not
   */
  static void javaRows(Tensor a, Tensor b, Tensor c, @Nullable Tensor init, float beta,
      float alpha) {
    List<Copy> copies = CONSTANTS.getIfPresent(b.data());
    if (copies == null) {
      throw new IllegalArgumentException(b + " is not a view of a weight marked constant");
    }
    javaRows(a, weightRows(copies, b), c, init, beta, alpha);
  }

  /** The product from the weight's [K][N] heap rows {@code w}. */
  private static void javaRows(Tensor a, float[][] w, Tensor c, @Nullable Tensor init,
      float beta, float alpha) {
    long[] as = a.shapeRef();
    int m = (int) as[1];
    int k = (int) as[2];
    int n = (int) c.shapeRef()[2];
    long[] sa = a.strideRef();
    long[] sc = c.strideRef();
    float[] arow = scratch(0, k);
    float[] crow = scratch(1, n);
    for (int i = 0; i < m; i++) {
      Rows.loadFloats(a, a.byteOffset() + (int) (i * sa[1] * 4), k, sa[2], arow, 0);
      multiply(arow, w, crow, k, n);
      if (init != null) {
        addScaled(init, beta, alpha, i, crow, n);
      } else if (alpha != 1f) {
        for (int j = 0; j < n; j++) {
          crow[j] *= alpha;
        }
      }
      Rows.storeFloats(c, c.byteOffset() + (int) (i * sc[1] * 4), n, sc[2], crow, 0);
    }
  }

  /** crow[0, n) = arow[0, k) @ w: four weight rows per pass over crow. */
  static void multiply(float[] arow, float[][] w, float[] crow, int k, int n) {
    Arrays.fill(crow, 0, n, 0f);
    int kk = 0;
    for (; kk + 4 <= k; kk += 4) {
      float x0 = arow[kk];
      float x1 = arow[kk + 1];
      float x2 = arow[kk + 2];
      float x3 = arow[kk + 3];
      float[] r0 = w[kk];
      float[] r1 = w[kk + 1];
      float[] r2 = w[kk + 2];
      float[] r3 = w[kk + 3];
      for (int j = 0; j < n; j++) {
        crow[j] += x0 * r0[j] + x1 * r1[j] + x2 * r2[j] + x3 * r3[j];
      }
    }
    for (; kk < k; kk++) {
      float x = arow[kk];
      float[] r = w[kk];
      for (int j = 0; j < n; j++) {
        crow[j] += x * r[j];
      }
    }
  }

  /** crow = alpha * crow + beta * init[0, i, :] (init already expanded to c's shape). */
  private static void addScaled(Tensor init, float beta, float alpha, int i, float[] crow,
      int n) {
    long[] si = init.strideRef();
    float[] self = scratch(0, n); // arow is not read again for this row
    Rows.loadFloats(init, init.byteOffset() + (int) (i * si[1] * 4), n, si[2], self, 0);
    for (int j = 0; j < n; j++) {
      crow[j] = alpha * crow[j] + beta * self[j];
    }
  }

  /** b's [K][N] heap rows, from the copies of its weight's views; copied now if it has none. */
  private static float[][] weightRows(List<Copy> copies, Tensor b) {
    long[] sb = b.strideRef();
    long k = b.shapeRef()[1];
    long n = b.shapeRef()[2];
    int offset = b.byteOffset();
    for (Copy c : copies) {
      if (c.offset == offset && c.k == k && c.n == n && c.rowStride == sb[1]
          && c.colStride == sb[2]) {
        return c.rows;
      }
    }
    float[][] rows = new float[(int) k][(int) n];
    for (int r = 0; r < k; r++) {
      Rows.loadFloats(b, offset + (int) (r * sb[1] * 4), (int) n, sb[2], rows[r], 0);
    }
    copies.add(new Copy(offset, k, n, sb[1], sb[2], rows));
    return rows;
  }

  private static float[] scratch(int slot, int size) {
    float[][] s = SCRATCH.get();
    if (s[slot].length < size) {
      s[slot] = new float[size];
    }
    return s[slot];
  }
}
