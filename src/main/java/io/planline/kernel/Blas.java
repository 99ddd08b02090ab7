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
 * Java GEMM, which takes any strides. OpenBLAS runs its own threads, one per core; it is only
 * called from a request's stream thread, never from inside the kernel pool, and one call at a
 * time in the process ({@link NativeCompute}).
 */
final class Blas {

  private static final Logger LOG = LoggerFactory.getLogger(Blas.class);
  private static final int ROW_MAJOR = 101;
  private static final int NO_TRANS = 111;
  private static final int TRANS = 112;
  private static final boolean AVAILABLE = load();

  private Blas() {}

  private static boolean load() {
    if (Boolean.getBoolean("planline.blas.disabled")) {
      LOG.info("OpenBLAS disabled (planline.blas.disabled): products run on the Java GEMM");
      return false;
    }
    try {
      // One thread per core. Small products would do better on one (digits-cnn [64]'s two
      // addmm: 0.31 ms on one thread, 0.91 on two, run --profile 50 on the 2-core build
      // machine), but changing OpenBLAS's global count per call costs more than it saves (BERT
      // [1, 128]: 364-400 ms per run with two threads throughout, 632-724 switching by size).
      int threads = Integer.getInteger("planline.blas.threads",
          Runtime.getRuntime().availableProcessors());
      openblas_nolapack.blas_set_num_threads(threads);
      LOG.debug("OpenBLAS {} loaded, {} threads", openblas_nolapack.OPENBLAS_CHAR_CORENAME,
          threads);
      return true;
    } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
      // no natives for this platform: the Java GEMM is the portable path
      LOG.info("OpenBLAS not available here ({}); products run on the Java GEMM", e.toString());
      return false;
    }
  }

  /** Whether products can go to OpenBLAS on this machine. */
  static boolean available() {
    return AVAILABLE;
  }

  /**
   * {@code c[i] = beta * init[i] + alpha * (a[i] @ b[i])} for each batch index i, with the shapes
   * and contract of {@link Gemm#run}. Returns false, having written nothing, when an operand's
   * layout or memory does not suit OpenBLAS.
   */
  static boolean tryRun(Tensor a, Tensor b, Tensor c, @Nullable Tensor init, float beta,
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
    if (init != null && beta != 0f) {
      // ATen's beta * self: put self in c first, then let sgemm scale it
      IndexingOps.copy(init, c, false);
      betaUsed = beta;
    }
    long[] as = a.shapeRef();
    int m = Math.toIntExact(as[1]);
    int k = Math.toIntExact(as[2]);
    int n = Math.toIntExact(b.shapeRef()[2]);
    FloatPointer pa = pointer(a);
    FloatPointer pb = pointer(b);
    FloatPointer pc = pointer(c);
    long base = a.byteOffset() / 4;
    long bBase = b.byteOffset() / 4;
    long cBase = c.byteOffset() / 4;
    float betaFinal = betaUsed;
    return NativeCompute.run(() -> {
      for (long i = 0; i < as[0]; i++) {
        pa.position(base + i * a.stride(0));
        pb.position(bBase + i * b.stride(0));
        pc.position(cBase + i * c.stride(0));
        openblas_nolapack.cblas_sgemm(ROW_MAJOR, la.trans, lb.trans, m, n, k, alpha, pa, la.ld,
            pb, lb.ld, betaFinal, pc, lc.ld);
      }
      return true;
    });
  }

  private static FloatPointer pointer(Tensor t) {
    FloatBuffer whole = t.data().duplicate().clear().order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer();
    return new FloatPointer(whole);
  }

  /** How one operand's [B, R, C] matrices lie: transposed or not, and the leading dimension. */
  private record Layout(int trans, int ld) {

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
