package io.planline.kernel;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Cache-blocked, parallel float32 matrix product over strided tensors:
 * {@code c[b] = beta * init[b] + alpha * (a[b] @ b[b])} for every batch index b.
 *
 * <p>The loop nest follows the GotoBLAS/BLIS decomposition, adapted to a JIT that vectorizes
 * plain array loops rather than hand-written micro-kernels:
 *
 * <pre>
 *   pack B once per call into column panels of width NC: panel[jb] = K rows of nc floats
 *   task (batch, ib, jb), run in parallel over the library's pool:
 *     acc = MC rows of nc floats, zeroed               (stays in L1/L2)
 *     for pc in K by KC:                                (a KC x nc panel slice is reused MC times)
 *       pack A[ib rows, pc..pc+kc) into ap[MC x kc]
 *       for each row r, k by 4:  acc[r][:] += ap[r, k..k+3] . panel[k..k+3][:]
 *     c[rows, cols] = alpha * acc + beta * init
 * </pre>
 *
 * <p>Why rows are separate arrays: C2 in JDK 17 does not vectorize a loop whose array accesses
 * use different loop-invariant offsets (it cannot rule out that two such accesses alias), but it
 * does vectorize {@code c0[j] += x0 * r0[j] + ...} over distinct arrays indexed from zero.
 * Measured on this machine's C2, one accumulator row times four panel rows is the largest such
 * body it still vectorizes (two rows, or six or eight panel rows, fall back to scalar code); it
 * does four multiply-adds per load and store of the accumulator.
 */
final class Gemm {

  /** Rows of A per task: MC accumulator rows of NC floats (128 KiB) stay in L2. */
  static final int MC = 64;
  /** Depth of one panel slice: KC x NC floats (512 KiB) stay in L2 while MC rows pass over it. */
  static final int KC = 256;
  /** Panel width: long unit-stride inner loops amortize the per-row overhead. */
  static final int NC = 512;

  /**
   * At most this many rows of A (a batch-1 request through a linear layer) go to
   * {@link SmallGemm}: packing B into panels costs more than the product itself there.
   */
  static final int SMALL_M = 4;

  /**
   * Below this many flops a product runs on the calling thread: waking the pool's workers for
   * a kernel between other kernels costs more than it saves. Measured with {@code run --profile}
   * on this 2-core machine: tiny-gpt at batch 1 (its products are 2–8 MFLOP) went from 5.4 to
   * 4.3 ms per request when they stopped forking at 1 MFLOP. Its 512-row layers (17 MFLOP and
   * up) still fork.
   */
  private static final long PARALLEL_FLOPS = 1L << 24;

  /** Columns gathered at once when packing a transposed B. */
  private static final int TILE = 16;

  /** Smallest row block the parallel split goes down to: below it per-task overhead wins. */
  private static final int MIN_MC = 8;

  /** Scratch of threads outside the kernel pool (serial calls run on the caller). */
  private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

  /**
   * One thread's reusable buffers, so that a call allocates nothing per block or per panel row:
   * at the models' small shapes (K and N of 64 to 512) allocation and zeroing cost as much as a
   * good part of the arithmetic.
   */
  static final class Scratch {
    final float[][] acc = new float[MC][NC];
    final float[] ap = new float[MC * KC];
    final float[] row = new float[NC];
    final float[] addRow = new float[NC];
    /** Packed B rows of the call this thread is running; grown on demand, never shrunk. */
    float[][] panels = new float[0][];
    /** Set while a call on this thread owns {@link #panels} (a nested call allocates its own). */
    boolean panelsInUse;

    /** {@code count} rows of at least {@code width} floats, reusing earlier rows. */
    float[][] panels(int count, int width) {
      if (panels.length < count) {
        panels = java.util.Arrays.copyOf(panels, count);
      }
      for (int i = 0; i < count; i++) {
        if (panels[i] == null || panels[i].length < width) {
          panels[i] = new float[width];
        }
      }
      return panels;
    }
  }

  /** The current thread's scratch: a field on pool workers, a thread-local elsewhere. */
  static Scratch scratch() {
    return Thread.currentThread() instanceof Parallel.Worker w ? w.gemm : LOCAL.get();
  }

  private Gemm() {}

  /**
   * Batched product. Requires: a is [B, M, K], b is [B, K, N], c is [B, M, N], all float32; init,
   * when not null, is float32 and already expanded to [B, M, N]; init is ignored when beta is 0
   * (as ATen ignores self, NaNs included). {@code allowParallel} false keeps the call on the
   * calling thread (for callers that already parallelize over batches). A few rows times a small
   * weight go to {@link SmallProducts}; products that oneDNN or OpenBLAS can take ({@link Blas})
   * go there unless the call is on one thread of the kernel pool already.
   */
  static void run(Parallel par, Tensor a, Tensor b, Tensor c, @Nullable Tensor init, float beta,
      float alpha, boolean allowParallel) {
    run(par, a, b, c, init, beta, alpha, allowParallel, null);
  }

  /** The same as one step of a program, which keeps its oneDNN primitive in {@code site}. */
  static void run(Parallel par, Tensor a, Tensor b, Tensor c, @Nullable Tensor init, float beta,
      float alpha, boolean allowParallel, @Nullable DnnlSite<DnnlProducts.Primitive> site) {
    Rows.requireFloat32(a);
    Rows.requireFloat32(b);
    Rows.requireFloat32(c);
    long[] as = a.shapeRef();
    long[] bs = b.shapeRef();
    long[] cs = c.shapeRef();
    if (as.length != 3 || bs.length != 3 || cs.length != 3 || as[0] != bs[0] || as[0] != cs[0]
        || as[2] != bs[1] || cs[1] != as[1] || cs[2] != bs[2]) {
      throw new IllegalArgumentException("matrix shapes do not agree: " + Arrays.toString(as)
          + " @ " + Arrays.toString(bs) + " -> " + Arrays.toString(cs));
    }
    if (init != null && beta != 0) {
      Rows.requireFloat32(init);
    }
    if (SmallProducts.tryRun(a, b, c, beta == 0 ? null : init, beta, alpha)) {
      return; // a few rows times a small weight: cheaper in Java than any native call
    }
    if (allowParallel && !(Thread.currentThread() instanceof Parallel.Worker)
        && Blas.tryRun(a, b, c, beta == 0 ? null : init, beta, alpha, site)) {
      return;
    }
    runJava(par, a, b, c, init, beta, alpha, allowParallel);
  }

  /** {@link #run} on the Java kernels only (the reference, and the path for any strides). */
  static void runJava(Parallel par, Tensor a, Tensor b, Tensor c, @Nullable Tensor init,
      float beta, float alpha, boolean allowParallel) {
    long[] as = a.shapeRef();
    long[] bs = b.shapeRef();
    if (as[1] <= SMALL_M && as[1] > 0 && bs[2] > 0) {
      SmallGemm.run(a, b, c, beta == 0 ? null : init, beta, alpha);
      return;
    }
    long m = as[1];
    if (m == 0 || bs[2] == 0 || as[0] == 0) {
      return;
    }
    boolean parallel = allowParallel && par.threads() > 1
        && 2L * as[0] * m * bs[2] * as[2] >= PARALLEL_FLOPS;
    int mc = MC;
    if (parallel) {
      // too few blocks to keep every worker busy (a batch-1 sequence): split the rows finer
      long blocks = as[0] * ((bs[2] + NC - 1) / NC);
      while (mc > MIN_MC && blocks * ((m + mc - 1) / mc) < 2L * par.threads()) {
        mc /= 2;
      }
    }
    Scratch own = scratch();
    boolean reuse = !own.panelsInUse;
    own.panelsInUse = true;
    try {
      Job job = new Job(a, b, c, beta == 0 ? null : init, beta, alpha, mc, reuse ? own : null);
      run(par, job, parallel);
    } finally {
      if (reuse) {
        own.panelsInUse = false;
      }
    }
  }

  private static void run(Parallel par, Job job, boolean parallel) {
    int packs = job.batches * job.nj;
    if (parallel && packs < 2 * par.threads()) {
      // few panels (one weight matrix): pack them all, then share the row blocks out
      par.forEach(packs, job::packB);
      par.forEach(packs * job.ni, job::block);
    } else if (parallel) {
      // enough panels (batched attention): one hand-off per panel, which is packed and then
      // used at once by the same worker while it is still in cache
      par.forEach(packs, job::packAndMultiply);
    } else {
      for (int t = 0; t < packs; t++) {
        job.packAndMultiply(t);
      }
    }
  }

  /** One call's operands, geometry and packed B panels. */
  private static final class Job {
    final Tensor a;
    final Tensor b;
    final Tensor c;
    final @Nullable Tensor init;
    final float beta;
    final float alpha;
    final int batches;
    final int m;
    final int n;
    final int k;
    final int mc;
    final int ni;
    final int nj;
    /** Row (batch * nj + jb) * k + kk holds B[batch][kk, jb*NC ..) — nc floats (or more). */
    final float[][] panels;

    Job(Tensor a, Tensor b, Tensor c, @Nullable Tensor init, float beta, float alpha, int mc,
        @Nullable Scratch owner) {
      this.a = a;
      this.b = b;
      this.c = c;
      this.init = init;
      this.beta = beta;
      this.alpha = alpha;
      this.batches = Math.toIntExact(a.shapeRef()[0]);
      this.m = Math.toIntExact(a.shapeRef()[1]);
      this.k = Math.toIntExact(a.shapeRef()[2]);
      this.n = Math.toIntExact(b.shapeRef()[2]);
      this.mc = mc;
      this.ni = (m + mc - 1) / mc;
      this.nj = (n + NC - 1) / NC;
      int rows = Math.toIntExact((long) batches * nj * k);
      int width = Math.min(NC, n);
      this.panels = owner != null ? owner.panels(rows, width) : new float[rows][width];
    }

    /** Packs B[batch][:, jb*NC ..) into its panel rows. */
    void packB(int t) {
      int batch = t / nj;
      int j0 = (t % nj) * NC;
      int nc = Math.min(NC, n - j0);
      int first = t * k;
      long[] st = b.strideRef();
      int base = b.byteOffset() + (int) ((batch * st[0] + j0 * st[2]) * 4);
      if (st[2] != 1 && st[1] == 1) {
        // B is transposed in memory (a weight used as w.t()): read TILE contiguous columns at
        // a time, so that each panel row then receives TILE adjacent floats (one cache line)
        // rather than one scattered store per column
        float[] cols = new float[TILE * k];
        for (int jt = 0; jt < nc; jt += TILE) {
          int w = Math.min(TILE, nc - jt);
          for (int jj = 0; jj < w; jj++) {
            Rows.loadFloats(b, base + (int) ((jt + jj) * st[2] * 4), k, 1, cols, jj * k);
          }
          for (int kk = 0; kk < k; kk++) {
            float[] row = panels[first + kk];
            for (int jj = 0; jj < w; jj++) {
              row[jt + jj] = cols[jj * k + kk];
            }
          }
        }
      } else {
        for (int kk = 0; kk < k; kk++) {
          Rows.loadFloats(b, base + (int) (kk * st[1] * 4), nc, st[2], panels[first + kk], 0);
        }
      }
    }

    /** Packs panel t (batch * nj + jb), then computes every row block that uses it. */
    void packAndMultiply(int t) {
      packB(t);
      int batch = t / nj;
      int jb = t % nj;
      for (int ib = 0; ib < ni; ib++) {
        block((batch * ni + ib) * nj + jb);
      }
    }

    /** Computes one mc x NC block of C for one batch. */
    void block(int t) {
      int batch = t / (ni * nj);
      int rest = t % (ni * nj);
      int i0 = (rest / nj) * this.mc;
      int jb = rest % nj;
      int j0 = jb * NC;
      int mc = Math.min(this.mc, m - i0);
      int nc = Math.min(NC, n - j0);
      Scratch s = scratch();
      float[][] acc = s.acc;
      float[] ap = s.ap;
      for (int r = 0; r < mc; r++) {
        Arrays.fill(acc[r], 0, nc, 0f);
      }
      int panel = (batch * nj + jb) * k;
      long[] sa = a.strideRef();
      int aBase = a.byteOffset() + (int) ((batch * sa[0] + i0 * sa[1]) * 4);
      for (int pc = 0; pc < k; pc += KC) {
        int kc = Math.min(KC, k - pc);
        for (int r = 0; r < mc; r++) {
          Rows.loadFloats(a, aBase + (int) ((r * sa[1] + pc * sa[2]) * 4), kc, sa[2], ap, r * kc);
        }
        for (int r = 0; r < mc; r++) {
          oneRow(acc[r], ap, r * kc, kc, panels, panel + pc, nc);
        }
      }
      writeBack(batch, i0, j0, mc, nc, acc, s);
    }

    private void writeBack(int batch, int i0, int j0, int mc, int nc, float[][] acc, Scratch s) {
      long[] sc = c.strideRef();
      float[] row = s.row;
      Tensor add = init;
      float[] addRow = s.addRow;
      for (int r = 0; r < mc; r++) {
        int i = i0 + r;
        float[] ar = acc[r];
        if (add != null) {
          long[] si = add.strideRef();
          int ib = add.byteOffset() + (int) ((batch * si[0] + i * si[1] + j0 * si[2]) * 4);
          Rows.loadFloats(add, ib, nc, si[2], addRow, 0);
          row = s.row;
          for (int j = 0; j < nc; j++) {
            row[j] = alpha * ar[j] + beta * addRow[j];
          }
        } else if (alpha == 1f) {
          row = ar; // nothing to scale: store the accumulator itself
        } else {
          row = s.row;
          for (int j = 0; j < nc; j++) {
            row[j] = alpha * ar[j];
          }
        }
        int cb = c.byteOffset() + (int) ((batch * sc[0] + i * sc[1] + j0 * sc[2]) * 4);
        Rows.storeFloats(c, cb, nc, sc[2], row, 0);
      }
    }
  }

  /** acc row c0 += ap row at a0 times the kc panel rows from pr[p]. */
  private static void oneRow(float[] c0, float[] ap, int a0, int kc, float[][] pr, int p, int nc) {
    int kk = 0;
    for (; kk + 3 < kc; kk += 4) {
      float x0 = ap[a0 + kk];
      float x1 = ap[a0 + kk + 1];
      float x2 = ap[a0 + kk + 2];
      float x3 = ap[a0 + kk + 3];
      float[] r0 = pr[p + kk];
      float[] r1 = pr[p + kk + 1];
      float[] r2 = pr[p + kk + 2];
      float[] r3 = pr[p + kk + 3];
      for (int j = 0; j < nc; j++) {
        c0[j] = Math.fma(x3, r3[j], Math.fma(x2, r2[j], Math.fma(x1, r1[j],
            Math.fma(x0, r0[j], c0[j]))));
      }
    }
    for (; kk < kc; kk++) {
      float x = ap[a0 + kk];
      float[] r = pr[p + kk];
      for (int j = 0; j < nc; j++) {
        c0[j] = Math.fma(x, r[j], c0[j]);
      }
    }
  }
}
