package io.planline.backend.cuda;

import static io.planline.backend.cuda.CublasLtApi.*;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * cuBLASLt for the float32 products: each distinct product (operations, sizes, leading
 * dimensions, batch strides, operand alignment, bias or not) gets an algorithm once and its
 * descriptors once per stream, then costs one {@code cublasLtMatmul} per call. Two gains over
 * {@code cublasSgemm}, which chooses its algorithm on every call (H200, docs/gpu.md): a bias
 * vector added in the product's epilogue, so that an {@code addmm} with a row bias needs no copy
 * kernel before it (BERT-base [1]: 26 to 15 µs of host time per addmm, 3.48 to 3.11 ms per
 * request), and a little less host time per product (ViT-B/16 [1]: 20 to 16-19 µs). The
 * algorithm is the
 * heuristics' first, or the fastest of their first {@link #CANDIDATES} measured on the call's
 * own buffers (as {@link CudnnPlans} does for convolutions).
 *
 * <p>Precision as for {@link Cublas}: {@code CUBLAS_COMPUTE_32F} (float32, no TF32) unless TF32
 * is allowed.
 */
final class CublasLt {

  private static final Logger LOG = LoggerFactory.getLogger(CublasLt.class);
  /**
   * Algorithms timed per product, in the heuristics' order ({@code
   * -Dplanline.cuda.cublaslt-candidates}); 1 takes the heuristics' first untimed, which keeps
   * results bit for bit the same from one process to the next (a timed choice may differ
   * between runs whose timings are close).
   */
  static final int CANDIDATES = Integer.getInteger("planline.cuda.cublaslt-candidates", 1);
  private static final int TIMED_RUNS = 3;

  /**
   * A product ready to enqueue: its descriptor, the three layouts (C's serves D) and the chosen
   * algorithm.
   */
  record Plan(long desc, long a, long b, long c, Memory algo) {

    void destroy() {
      Calls.cublasLtMatmulDescDestroy(desc);
      Calls.cublasLtMatrixLayoutDestroy(a);
      Calls.cublasLtMatrixLayoutDestroy(b);
      Calls.cublasLtMatrixLayoutDestroy(c);
    }
  }

  /** A product's plan on one stream (a plan's bias pointer is set per call on its thread). */
  private record Key(Cublas.Gemm.Shape shape, int stream) {}

  /** Marks a product Lt refused, so that it is not asked again. */
  private static final Plan REFUSED = new Plan(0, 0, 0, 0, new Memory(1));

  /** A stream thread's host scalars: alpha, beta and the bias pointer. */
  private static final ThreadLocal<Memory> SCALARS = ThreadLocal.withInitial(() ->
      new Memory(16));

  private final long handle;
  private final boolean tf32;
  private final Map<Key, Plan> plans = new ConcurrentHashMap<>();
  /**
   * The algorithm chosen for each product, shared by every stream so that a request's answer
   * does not depend on the stream it ran on (nor on a graph capture, which cannot time).
   */
  private final Map<Cublas.Gemm.Shape, Memory> chosen = new HashMap<>();

  private CublasLt(long handle, boolean tf32) {
    this.handle = handle;
    this.tf32 = tf32;
  }

  /**
   * cuBLASLt from {@code library}, or null (logged) when it does not load or is turned off
   * ({@code -Dplanline.cuda.cublas-lt=false}: every product then takes {@code cublasSgemm}).
   */
  static @Nullable CublasLt open(String library, boolean tf32) {
    if (!Boolean.parseBoolean(System.getProperty("planline.cuda.cublas-lt", "true"))) {
      LOG.info("cuBLASLt off (planline.cuda.cublas-lt=false): products through cublasSgemm");
      return null;
    }
    try {
      Calls.bind(library);
      Memory out = new Memory(8);
      int status = Calls.cublasLtCreate(Pointer.nativeValue(out));
      if (status != 0) {
        LOG.info("cuBLASLt at {} did not start (status {}); products through cublasSgemm",
            library, status);
        return null;
      }
      LOG.info("cuBLASLt from {} for products, algorithms timed per product", library);
      return new CublasLt(out.getLong(0), tf32);
    } catch (UnsatisfiedLinkError e) {
      LOG.info("cuBLASLt not found ({}); products through cublasSgemm", e.getMessage());
      return null;
    }
  }

  /**
   * The plan of {@code g} on {@code stream}, made and timed on these buffers on first use
   * (which runs the product on {@code g}'s output, so the caller must not have enqueued
   * anything into it yet), or null when Lt cannot run it.
   */
  @Nullable Plan plan(CudaStream stream, Cublas.Gemm g, long workspace, long workspaceBytes) {
    Key key = new Key(g.shape(), stream.index());
    Plan p = plans.get(key);
    if (p == null) {
      p = make(stream, g, workspace, workspaceBytes);
      plans.put(key, p);
    }
    return p == REFUSED ? null : p;
  }

  /** Enqueues {@code g} with {@code plan} on {@code stream}; the cuBLAS status. */
  int run(CudaStream stream, Plan plan, Cublas.Gemm g, long workspace, long workspaceBytes) {
    Memory s = SCALARS.get();
    long base = Pointer.nativeValue(s);
    s.setFloat(0, g.alpha());
    s.setFloat(4, g.beta());
    if (g.bias() != 0) {
      s.setLong(8, g.bias());
      int status = Calls.cublasLtMatmulDescSetAttribute(plan.desc(), DESC_BIAS_POINTER,
          base + 8, 8);
      if (status != 0) {
        return status;
      }
    }
    return Calls.cublasLtMatmul(handle, plan.desc(), base, g.a(), plan.a(), g.b(), plan.b(),
        base + 4, g.c(), plan.c(), g.c(), plan.c(), Pointer.nativeValue(plan.algo()), workspace,
        workspaceBytes, stream.address());
  }

  private Plan make(CudaStream stream, Cublas.Gemm g, long workspace, long workspaceBytes) {
    Cublas.Gemm.Shape s = g.shape();
    Memory scratch = new Memory(64);
    long out = Pointer.nativeValue(scratch);
    long desc = 0;
    long[] layouts = new long[3];
    long pref = 0;
    try {
      check("cublasLtMatmulDescCreate", Calls.cublasLtMatmulDescCreate(out,
          tf32 ? COMPUTE_32F_FAST_TF32 : COMPUTE_32F, R_32F));
      desc = scratch.getLong(0);
      setDesc(desc, DESC_TRANSA, s.opA(), scratch);
      setDesc(desc, DESC_TRANSB, s.opB(), scratch);
      if (s.bias()) {
        setDesc(desc, DESC_EPILOGUE, EPILOGUE_BIAS, scratch);
      }
      boolean ta = s.opA() == Cublas.OP_T;
      boolean tb = s.opB() == Cublas.OP_T;
      layouts[0] = layout(ta ? s.k() : s.m(), ta ? s.m() : s.k(), s.lda(), s.strideA(), s, scratch);
      layouts[1] = layout(tb ? s.n() : s.k(), tb ? s.k() : s.n(), s.ldb(), s.strideB(), s, scratch);
      layouts[2] = layout(s.m(), s.n(), s.ldc(), s.strideC(), s, scratch);
      check("cublasLtMatmulPreferenceCreate", Calls.cublasLtMatmulPreferenceCreate(out));
      pref = scratch.getLong(0);
      scratch.setLong(0, workspaceBytes);
      check("workspace preference", Calls.cublasLtMatmulPreferenceSetAttribute(pref,
          PREF_MAX_WORKSPACE_BYTES, out, 8));
      int[] align = {s.alignA(), s.alignB(), s.alignC(), s.alignC()};
      for (int i = 0; i < 4; i++) {
        scratch.setInt(0, align[i]);
        check("alignment preference", Calls.cublasLtMatmulPreferenceSetAttribute(pref,
            PREF_MIN_ALIGNMENT_A + i, out, 4));
      }
      Memory algo = choose(stream, g, desc, layouts, pref, workspace, workspaceBytes);
      if (algo == null) {
        LOG.debug("cuBLASLt has no algorithm for {}; cublasSgemm takes it", s);
        return REFUSED;
      }
      Plan plan = new Plan(desc, layouts[0], layouts[1], layouts[2], algo);
      desc = 0; // the plan owns them now
      layouts = new long[3];
      return plan;
    } catch (CudaException e) {
      LOG.debug("cuBLASLt refused {}: {}; cublasSgemm takes it", s, e.getMessage());
      return REFUSED;
    } finally {
      if (desc != 0) {
        Calls.cublasLtMatmulDescDestroy(desc);
      }
      for (long l : layouts) {
        if (l != 0) {
          Calls.cublasLtMatrixLayoutDestroy(l);
        }
      }
      if (pref != 0) {
        Calls.cublasLtMatmulPreferenceDestroy(pref);
      }
      Reference.reachabilityFence(scratch); // only its address was passed
    }
  }

  /** The algorithm chosen for {@code g}'s shape: chosen now on first use, by any stream. */
  private @Nullable Memory choose(CudaStream stream, Cublas.Gemm g, long desc, long[] layouts,
      long pref, long workspace, long workspaceBytes) {
    synchronized (chosen) { // held while timing: once per shape
      Memory algo = chosen.get(g.shape());
      if (algo == null) {
        algo = fastest(stream, g, desc, layouts, pref, workspace, workspaceBytes);
        if (algo != null) {
          chosen.put(g.shape(), algo);
        }
      }
      return algo;
    }
  }

  /**
   * The fastest of the heuristics' first {@link #CANDIDATES} algorithms for the product, timed
   * on its buffers unless there is one or the stream is being captured (then the first is taken
   * untimed); null when the heuristics offer none.
   */
  private @Nullable Memory fastest(CudaStream stream, Cublas.Gemm g, long desc, long[] layouts,
      long pref, long workspace, long workspaceBytes) {
    Memory results = new Memory((long) RESULT_BYTES * CANDIDATES);
    Memory count = new Memory(4);
    int status = Calls.cublasLtMatmulAlgoGetHeuristic(handle, desc, layouts[0], layouts[1],
        layouts[2], layouts[2], pref, CANDIDATES, Pointer.nativeValue(results),
        Pointer.nativeValue(count));
    List<Memory> algos = new ArrayList<>();
    for (int i = 0; status == 0 && i < count.getInt(0); i++) {
      long at = (long) RESULT_BYTES * i;
      if (results.getInt(at + ALGO_BYTES + 8) == 0 && results.getLong(at + ALGO_BYTES)
          <= workspaceBytes) { // state CUBLAS_STATUS_SUCCESS, workspace within the stream's
        Memory algo = new Memory(ALGO_BYTES);
        algo.write(0, results.getByteArray(at, ALGO_BYTES), 0, ALGO_BYTES);
        algos.add(algo);
      }
    }
    if (algos.size() <= 1 || stream.capturing()) {
      return algos.isEmpty() ? null : algos.get(0);
    }
    Memory best = null;
    float bestMillis = Float.POSITIVE_INFINITY;
    for (Memory algo : algos) {
      Plan p = new Plan(desc, layouts[0], layouts[1], layouts[2], algo);
      float ms = StreamTimer.millisPerCall(stream, TIMED_RUNS,
          () -> run(stream, p, g, workspace, workspaceBytes));
      if (ms < bestMillis) { // NaN (a failed run) never is
        best = algo;
        bestMillis = ms;
      }
    }
    LOG.debug("cuBLASLt: {} in {} ms, fastest of {}", g.shape(), bestMillis, algos.size());
    return best;
  }

  /** A column-major {@code rows x cols} float32 layout, batched as {@code s} is. */
  private static long layout(int rows, int cols, int ld, long batchStride, Cublas.Gemm.Shape s,
      Memory scratch) {
    long out = Pointer.nativeValue(scratch);
    check("cublasLtMatrixLayoutCreate", Calls.cublasLtMatrixLayoutCreate(out, R_32F, rows, cols,
        ld));
    long layout = scratch.getLong(0);
    if (s.batches() > 1) {
      scratch.setInt(0, s.batches());
      int status = Calls.cublasLtMatrixLayoutSetAttribute(layout, LAYOUT_BATCH_COUNT, out, 4);
      scratch.setLong(0, batchStride);
      if (status == 0) {
        status = Calls.cublasLtMatrixLayoutSetAttribute(layout, LAYOUT_STRIDED_BATCH_OFFSET,
            out, 8);
      }
      if (status != 0) {
        Calls.cublasLtMatrixLayoutDestroy(layout);
        check("batched layout", status);
      }
    }
    return layout;
  }

  private static void setDesc(long desc, int attr, int value, Memory scratch) {
    scratch.setInt(0, value);
    check("cublasLtMatmulDescSetAttribute(" + attr + ")", Calls.cublasLtMatmulDescSetAttribute(
        desc, attr, Pointer.nativeValue(scratch), 4));
  }

  private static void check(String call, int status) {
    if (status != 0) {
      throw new CudaException(call + " failed with cuBLAS status " + status);
    }
  }

  /** Destroys every plan and the handle; nothing may run on it afterwards. */
  void close() {
    plans.values().stream().filter(p -> p != REFUSED).forEach(Plan::destroy);
    plans.clear();
    Calls.cublasLtDestroy(handle);
  }
}
