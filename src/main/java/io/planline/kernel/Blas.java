package io.planline.kernel;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Float32 products through OpenBLAS ({@code cblas_sgemm}, JavaCPP's presets), where its natives
 * load (linux-x86_64). Measured on this project's 2-core build machine, OpenBLAS reaches about
 * three times the GFLOP/s of the Java {@link Gemm} at the models' shapes ({@code KernelBench}
 * prints both), so every product that can go there does.
 *
 * <p>A product goes to OpenBLAS when each operand's matrices are row- or column-major (one unit
 * stride, the other at least the row length), the output's are row-major, and all three live in
 * direct memory (arenas, weights); anything else returns {@code false} and the caller runs the
 * Java GEMM, which takes any strides. OpenBLAS runs on one thread; a large product is split
 * over {@link ProductThreads}, the calling thread taking one part. It is only called from a
 * request's stream thread, never from inside the kernel pool, and one call at a time in the
 * process ({@link NativeCompute}).
 */
final class Blas {

  private static final Logger LOG = LoggerFactory.getLogger(Blas.class);
  static final int ROW_MAJOR = 101;
  static final int NO_TRANS = 111;
  static final int TRANS = 112;
  /** Threads a product is split over: {@code planline.blas.threads}, by default the cores. */
  private static final int PARTS = Math.max(1, Integer.getInteger("planline.blas.threads",
      Runtime.getRuntime().availableProcessors()));
  /**
   * Multiply-adds under which a product runs whole on the calling thread: waking a helper costs
   * about ten microseconds. tiny-gpt [8, 64]'s attention products (8 x 64x32x64, 2^20) took
   * 0.57 ms per run for the 16 unsplit and 0.71-0.73 split; its 2^23 addmm gain from the split.
   */
  static final long SPLIT_MACS = 1L << 21;
  private static final boolean AVAILABLE = load();
  private static final ProductThreads THREADS = new ProductThreads(AVAILABLE ? PARTS : 1);

  private Blas() {}

  private static boolean load() {
    if (Boolean.getBoolean("planline.blas.disabled")) {
      LOG.info("OpenBLAS disabled (planline.blas.disabled): products run on the Java GEMM");
      return false;
    }
    try {
      // OpenBLAS itself runs on one thread; the products are split over ProductThreads (one
      // part per core), which says why.
      openblas_nolapack.blas_set_num_threads(1);
      LOG.debug("OpenBLAS {} loaded, products split over {} threads",
          openblas_nolapack.OPENBLAS_CHAR_CORENAME, PARTS);
      return true;
    } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
      // no natives for this platform: the Java GEMM is the portable path
      LOG.info("OpenBLAS not available here ({}); products run on the Java GEMM", e.toString());
      return false;
    }
  }

  /** Whether OpenBLAS's natives loaded here. */
  static boolean loaded() {
    return AVAILABLE;
  }

  /** Whether products can go to oneDNN or OpenBLAS on this machine. */
  static boolean available() {
    return AVAILABLE || Dnnl.available();
  }

  /**
   * {@code c[i] = beta * init[i] + alpha * (a[i] @ b[i])} for each batch index i, with the shapes
   * and contract of {@link Gemm#run}, on oneDNN ({@link DnnlProducts}) or else OpenBLAS. Returns
   * false, having written nothing, when an operand's layout or memory suits neither.
   */
  static boolean tryRun(Tensor a, Tensor b, Tensor c, @Nullable Tensor init, float beta,
      float alpha) {
    return tryRun(a, b, c, init, beta, alpha, null);
  }

  /** The same as one step of a program, which keeps its oneDNN primitive in {@code site}. */
  static boolean tryRun(Tensor a, Tensor b, Tensor c, @Nullable Tensor init, float beta,
      float alpha, @Nullable DnnlSite<DnnlProducts.Primitive> site) {
    if (DnnlProducts.tryRun(a, b, c, init, beta, alpha, site)) {
      return true; // oneDNN first: two to four times OpenBLAS's speed where it runs
    }
    return tryOpenBlas(a, b, c, init, beta, alpha);
  }

  /** {@link #tryRun} on OpenBLAS only. */
  static boolean tryOpenBlas(Tensor a, Tensor b, Tensor c, @Nullable Tensor init, float beta,
      float alpha) {
    if (!AVAILABLE) {
      return false;
    }
    Layout la = Layout.of(a);
    Layout lb = Layout.of(b);
    Layout lc = Layout.of(c);
    if (la == null || lb == null || lc == null || lc.trans != NO_TRANS) {
      return false;
    }
    float betaUsed = 0f;
    // ATen's beta * self: self goes into c first, then sgemm scales it. Rows of self with unit
    // stride (a bias, broadcast or not) are copied by each part, row by row in bulk, just before
    // its product; the general strided copy on the Java kernels took about a fifth of tiny-gpt's
    // addmm time in a profile.
    Tensor rowsInit = null;
    if (init != null && beta != 0f) {
      if (init.byteOffset() % 4 == 0 && (init.size(2) == 1 || init.stride(2) == 1)) {
        rowsInit = init;
      } else {
        IndexingOps.copy(init, c, false);
      }
      betaUsed = beta;
    }
    Tensor self = rowsInit;
    long[] as = a.shapeRef();
    int batches = Math.toIntExact(as[0]);
    int m = Math.toIntExact(as[1]);
    int k = Math.toIntExact(as[2]);
    int n = Math.toIntExact(b.shapeRef()[2]);
    FloatPointer pa = pointer(a);
    FloatPointer pb = pointer(b);
    FloatPointer pc = pointer(c);
    long aBase = a.byteOffset() / 4;
    long bBase = b.byteOffset() / 4;
    long cBase = c.byteOffset() / 4;
    // where row r of a's matrix starts: rows are ld apart when a is row-major, adjacent when not
    long aRow = la.trans == NO_TRANS ? la.ld : 1;
    float betaFinal = betaUsed;
    long macs = (long) batches * m * n * k;
    int parts = macs < SPLIT_MACS || NativeCompute.oneThreadOnly() ? 1
        : Math.min(THREADS.parts(), Math.max(batches, m));
    // A part is a range of batch indices when there are enough of them, else a range of rows.
    boolean byBatch = batches >= parts;
    return NativeCompute.run(parts, () -> {
      THREADS.run(parts, part -> {
        FloatPointer qa = new FloatPointer(pa);
        FloatPointer qb = new FloatPointer(pb);
        FloatPointer qc = new FloatPointer(pc);
        int from = byBatch ? range(batches, parts, part) : 0;
        int to = byBatch ? range(batches, parts, part + 1) : batches;
        int r0 = byBatch ? 0 : range(m, parts, part);
        int rows = byBatch ? m : range(m, parts, part + 1) - r0;
        for (long i = from; i < to; i++) {
          if (self != null) {
            copyRows(self, c, i, r0, rows, n, lc.ld);
          }
          qa.position(aBase + i * a.stride(0) + r0 * aRow);
          qb.position(bBase + i * b.stride(0));
          qc.position(cBase + i * c.stride(0) + (long) r0 * lc.ld);
          openblas_nolapack.cblas_sgemm(ROW_MAJOR, la.trans, lb.trans, rows, n, k, alpha, qa,
              la.ld, qb, lb.ld, betaFinal, qc, lc.ld);
        }
      });
      return true;
    });
  }

  /** Copies rows [r0, r0 + rows) of batch {@code i} of {@code init} into {@code c}, n each. */
  private static void copyRows(Tensor init, Tensor c, long i, int r0, int rows, int n, int ldc) {
    FloatBuffer from = init.floats();
    FloatBuffer to = c.floats();
    long src = init.byteOffset() / 4 + i * init.stride(0) + r0 * init.stride(1);
    long dst = c.byteOffset() / 4 + i * c.stride(0) + (long) r0 * ldc;
    for (int r = 0; r < rows; r++) {
      to.put(Math.toIntExact(dst + (long) r * ldc), from,
          Math.toIntExact(src + r * init.stride(1)), n);
    }
  }

  /** Where part {@code p} of {@code count} items split into {@code parts} starts. */
  private static int range(int count, int parts, int p) {
    return (int) ((long) count * p / parts);
  }

  private static FloatPointer pointer(Tensor t) {
    FloatBuffer whole = t.data().duplicate().clear().order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer();
    return new FloatPointer(whole);
  }

  /** How one operand's [B, R, C] matrices lie: transposed or not, and the leading dimension. */
  record Layout(int trans, int ld) {

    boolean rowMajor() {
      return trans == NO_TRANS;
    }

    static @Nullable Layout of(Tensor t) {
      if (!t.data().isDirect() || t.byteOffset() % 4 != 0 || t.numel() == 0) {
        return null;
      }
      long rows = t.size(1);
      long cols = t.size(2);
      long rs = t.stride(1);
      long cs = t.stride(2);
      if ((cols == 1 || cs == 1) && (rows == 1 || rs >= cols)) {
        return of(NO_TRANS, rows == 1 ? cols : rs);
      }
      if ((rows == 1 || rs == 1) && (cols == 1 || cs >= rows)) {
        return of(TRANS, cols == 1 ? rows : cs);
      }
      return null;
    }

    private static @Nullable Layout of(int trans, long ld) {
      return ld > Integer.MAX_VALUE ? null : new Layout(trans, (int) Math.max(1, ld));
    }
  }
}
