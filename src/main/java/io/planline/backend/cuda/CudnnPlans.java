package io.planline.backend.cuda;

import static io.planline.backend.cuda.CudnnGraphApi.*;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * cuDNN's graph ("backend") API for a float32 convolution: an execution plan built once per
 * geometry and stream, then one {@code cudnnBackendExecute} per call. This is the route PyTorch
 * takes. The legacy {@code cudnnConvolutionForward}, which {@link Cudnn} falls back to, costs
 * more host time per call with cuDNN 9 and reaches only the legacy algorithms: ResNet-50 on the
 * H200 (53 convolutions, docs/gpu.md) enqueued its convolutions in 2.87 ms at batch 1 (1.24 ms
 * here) and ran batch 32 in 16.3 ms per request (14.5 here).
 *
 * <p>Choosing: cuDNN's heuristics list engine configurations; those whose numerics the request
 * did not allow (TF32 on tensor cores, unless {@code -Dplanline.cuda.allow-tf32}) or whose plan
 * does not build or needs more workspace than the stream has are dropped, and the rest (at most
 * {@link #CANDIDATES}) are timed on the call's own buffers, fastest kept, as
 * {@code cudnn.benchmark} does. Everything here but {@link #execute} runs once per geometry,
 * before any graph capture.
 */
final class CudnnPlans {

  private static final Logger LOG = LoggerFactory.getLogger(CudnnPlans.class);
  /** Engine configurations timed per convolution, in the heuristics' order. */
  static final int CANDIDATES = Integer.getInteger("planline.cuda.cudnn-candidates", 8);
  private static final int TIMED_RUNS = 3;

  private static final long X = 'x';
  private static final long W = 'w';
  private static final long Y = 'y';

  /**
   * A built plan: its descriptor's address, workspace, engine and measured device time, and the
   * descriptors it was built from (kept while it lives: a plan may refer to its graph).
   */
  record Plan(long descriptor, long workspace, long engine, float millis, long[] parts) {

    void destroy() {
      CudnnGraphApi.destroy(descriptor);
      for (long d : parts) {
        CudnnGraphApi.destroy(d);
      }
    }
  }

  /**
   * A thread's scratch for {@link #execute}: three data pointers, three ids, the workspace
   * pointer and the variant pack's handle (the ids are written once).
   */
  private static final ThreadLocal<Memory> PACK = ThreadLocal.withInitial(() -> {
    Memory m = new Memory(64);
    m.setLong(24, X);
    m.setLong(32, W);
    m.setLong(40, Y);
    return m;
  });

  private final boolean tf32;

  private CudnnPlans(boolean tf32) {
    this.tf32 = tf32;
  }

  /** The graph API of the cuDNN at {@code library}, or null (logged) when it lacks it. */
  static @Nullable CudnnPlans bind(String library, boolean tf32) {
    if (!Boolean.parseBoolean(System.getProperty("planline.cuda.cudnn-graph", "true"))) {
      LOG.info("cuDNN's graph API off (planline.cuda.cudnn-graph=false): legacy calls only");
      return null;
    }
    try {
      Calls.bind(library);
      return new CudnnPlans(tf32);
    } catch (UnsatisfiedLinkError e) {
      LOG.info("cuDNN at {} has no graph API ({}); legacy calls only", library, e.getMessage());
      return null;
    }
  }

  /**
   * The fastest plan for {@code y = conv(x, w)} on {@code handle}'s stream, measured on these
   * buffers, or null when no engine serves (the caller then takes the legacy call).
   */
  @Nullable Plan prepare(long handle, CudaStream stream, CudaTensor x, CudaTensor w, CudaTensor y,
      long[] stride, long[] pad, long[] dil, long workspace, long workspaceBytes) {
    List<Long> owned = new ArrayList<>();
    List<Plan> candidates = new ArrayList<>();
    Plan kept = null;
    try {
      long alignment = alignment(x.address(), w.address(), y.address());
      long graph = graph(handle, owned, tensor(x, X, alignment, owned),
          tensor(w, W, alignment, owned), tensor(y, Y, alignment, owned),
          convolution(stride, pad, dil, owned));
      candidates.addAll(candidates(handle, graph, HEUR_INSTANT, workspaceBytes, owned));
      if (candidates.isEmpty()) {
        candidates.addAll(candidates(handle, graph, HEUR_FALLBACK, workspaceBytes, owned));
      }
      Plan best = null;
      float bestMillis = Float.POSITIVE_INFINITY;
      for (Plan p : candidates) {
        float millis = millis(handle, stream, p, x, w, y, workspace);
        if (millis < bestMillis) { // NaN (a failed run) never is
          best = p;
          bestMillis = millis;
        }
      }
      if (best != null) {
        kept = new Plan(best.descriptor(), best.workspace(), best.engine(), bestMillis,
            owned.stream().mapToLong(Long::longValue).toArray());
        owned.clear();
      }
      return kept;
    } catch (CudaException e) {
      LOG.debug("cuDNN's graph API refused a convolution: {}", e.getMessage());
      return null;
    } finally {
      for (Plan p : candidates) {
        if (kept == null || p.descriptor() != kept.descriptor()) {
          destroy(p.descriptor());
        }
      }
      owned.forEach(CudnnGraphApi::destroy);
    }
  }

  /**
   * Enqueues {@code plan} on {@code handle}'s stream with these buffers; the cuDNN status. The
   * variant pack is made per call: keeping packs per plan by address measured no faster
   * (ResNet-50 [1] on the H200: 31.0 against 30.3 µs of host time per convolution, docs/gpu.md).
   */
  static int execute(long handle, Plan plan, long x, long w, long y, long workspace) {
    long pack = pack(x, w, y, workspace);
    try {
      return Calls.cudnnBackendExecute(handle, plan.descriptor(), pack);
    } finally {
      destroy(pack);
    }
  }

  /** A finalized variant pack of these addresses (ids {@link #X}, {@link #W}, {@link #Y}). */
  private static long pack(long x, long w, long y, long workspace) {
    Memory m = PACK.get();
    long base = Pointer.nativeValue(m);
    m.setLong(0, x);
    m.setLong(8, w);
    m.setLong(16, y);
    m.setLong(48, workspace);
    check("variant pack", Calls.cudnnBackendCreateDescriptor(VARIANT_PACK, base + 56));
    long pack = m.getLong(56);
    int status = Calls.cudnnBackendSetAttribute(pack, A_PACK_DATA_POINTERS, T_VOID_PTR, 3, base);
    if (status == 0) {
      status = Calls.cudnnBackendSetAttribute(pack, A_PACK_UNIQUE_IDS, T_INT64, 3, base + 24);
    }
    if (status == 0) {
      status = Calls.cudnnBackendSetAttribute(pack, A_PACK_WORKSPACE, T_VOID_PTR, 1, base + 48);
    }
    if (status == 0) {
      status = Calls.cudnnBackendFinalize(pack);
    }
    if (status != 0) {
      destroy(pack);
      check("variant pack", status);
    }
    return pack;
  }

  /**
   * The largest power of two up to 16 that divides every address: part of the plan (engines
   * may vectorise by it), so {@link Cudnn} keys plans by it too.
   */
  static long alignment(long... addresses) {
    long a = 16;
    for (long v : addresses) {
      while (a > 4 && v % a != 0) {
        a /= 2;
      }
    }
    return a;
  }

  private static long tensor(CudaTensor t, long id, long alignment, List<Long> owned) {
    long d = create(TENSOR, owned);
    set(d, A_TENSOR_DATA_TYPE, T_DATA_TYPE, ints(DATA_FLOAT));
    set(d, A_TENSOR_DIMENSIONS, T_INT64, longs(t.shapeRef()));
    set(d, A_TENSOR_STRIDES, T_INT64, longs(t.strideRef()));
    set(d, A_TENSOR_UNIQUE_ID, T_INT64, longs(id));
    set(d, A_TENSOR_BYTE_ALIGNMENT, T_INT64, longs(alignment));
    finalizeDescriptor("tensor", d);
    return d;
  }

  private static long convolution(long[] stride, long[] pad, long[] dil, List<Long> owned) {
    long d = create(CONVOLUTION, owned);
    set(d, A_CONV_SPATIAL_DIMS, T_INT64, longs(2));
    set(d, A_CONV_COMP_TYPE, T_DATA_TYPE, ints(DATA_FLOAT));
    set(d, A_CONV_MODE, T_CONVOLUTION_MODE, ints(CROSS_CORRELATION));
    set(d, A_CONV_FILTER_STRIDES, T_INT64, longs(stride[0], stride[1]));
    set(d, A_CONV_PRE_PADDINGS, T_INT64, longs(pad[0], pad[1]));
    set(d, A_CONV_POST_PADDINGS, T_INT64, longs(pad[0], pad[1]));
    set(d, A_CONV_DILATIONS, T_INT64, longs(dil[0], dil[1]));
    finalizeDescriptor("convolution", d);
    return d;
  }

  private static long graph(long handle, List<Long> owned, long x, long w, long y, long conv) {
    long op = create(OPERATION_CONVOLUTION_FORWARD, owned);
    set(op, A_CONV_FWD_X, T_DESCRIPTOR, longs(x));
    set(op, A_CONV_FWD_W, T_DESCRIPTOR, longs(w));
    set(op, A_CONV_FWD_Y, T_DESCRIPTOR, longs(y));
    set(op, A_CONV_FWD_CONV_DESC, T_DESCRIPTOR, longs(conv));
    set(op, A_CONV_FWD_ALPHA, T_FLOAT, floats(1f));
    set(op, A_CONV_FWD_BETA, T_FLOAT, floats(0f));
    finalizeDescriptor("convolution operation", op);
    long g = create(OPERATIONGRAPH, owned);
    set(g, A_GRAPH_OPS, T_DESCRIPTOR, longs(op));
    set(g, A_GRAPH_HANDLE, T_HANDLE, longs(handle));
    finalizeDescriptor("operation graph", g);
    return g;
  }

  /** Plans built from the heuristics' configurations that pass the numerics and workspace. */
  private List<Plan> candidates(long handle, long graph, int mode, long workspaceBytes,
      List<Long> owned) {
    long heur = create(ENGINEHEUR, owned);
    set(heur, A_HEUR_OPERATION_GRAPH, T_DESCRIPTOR, longs(graph));
    set(heur, A_HEUR_MODE, T_HEUR_MODE, ints(mode));
    finalizeDescriptor("engine heuristics", heur);
    Memory count = new Memory(8);
    check("heuristics' count", Calls.cudnnBackendGetAttribute(heur, A_HEUR_RESULTS, T_DESCRIPTOR,
        0, Pointer.nativeValue(count), 0));
    int n = (int) Math.min(count.getLong(0), 64);
    List<Plan> plans = new ArrayList<>();
    if (n == 0) {
      return plans;
    }
    Memory configs = new Memory(8L * n);
    for (int i = 0; i < n; i++) {
      configs.setLong(8L * i, create(ENGINECFG, owned));
    }
    check("heuristics' results", Calls.cudnnBackendGetAttribute(heur, A_HEUR_RESULTS,
        T_DESCRIPTOR, n, Pointer.nativeValue(count), Pointer.nativeValue(configs)));
    for (int i = 0; i < (int) count.getLong(0) && plans.size() < CANDIDATES; i++) {
      long config = configs.getLong(8L * i);
      long engine = engine(config, owned);
      if (engine < 0) {
        continue;
      }
      long plan = create(EXECUTION_PLAN, null);
      try {
        set(plan, A_PLAN_HANDLE, T_HANDLE, longs(handle));
        set(plan, A_PLAN_ENGINE_CONFIG, T_DESCRIPTOR, longs(config));
      } catch (CudaException e) {
        destroy(plan); // not yet among the candidates, which prepare destroys
        throw e;
      }
      Memory ws = new Memory(8);
      if (Calls.cudnnBackendFinalize(plan) != 0
          || Calls.cudnnBackendGetAttribute(plan, A_PLAN_WORKSPACE_SIZE, T_INT64, 1,
              Pointer.nativeValue(count), Pointer.nativeValue(ws)) != 0
          || ws.getLong(0) > workspaceBytes) {
        destroy(plan);
        continue;
      }
      plans.add(new Plan(plan, ws.getLong(0), engine, Float.NaN, new long[0]));
    }
    return plans;
  }

  /**
   * The global index of {@code config}'s engine, or -1 when its numerics are not allowed:
   * tensor-core or down-converting engines compute float32 in TF32.
   */
  private long engine(long config, List<Long> owned) {
    long engine = create(ENGINE, owned);
    Memory count = new Memory(8);
    Memory target = longs(engine);
    check("engine", Calls.cudnnBackendGetAttribute(config, A_ENGINECFG_ENGINE, T_DESCRIPTOR, 1,
        Pointer.nativeValue(count), Pointer.nativeValue(target)));
    Reference.reachabilityFence(target); // only its address was passed
    Memory notes = new Memory(4L * 16);
    check("numerical notes", Calls.cudnnBackendGetAttribute(engine, A_ENGINE_NUMERICAL_NOTE,
        T_NUMERICAL_NOTE, 16, Pointer.nativeValue(count), Pointer.nativeValue(notes)));
    if (!tf32) {
      for (int i = 0; i < (int) count.getLong(0); i++) {
        int note = notes.getInt(4L * i);
        if (note == NOTE_TENSOR_CORE || note == NOTE_DOWN_CONVERT_INPUTS) {
          return -1;
        }
      }
    }
    Memory index = new Memory(8);
    check("engine index", Calls.cudnnBackendGetAttribute(engine, A_ENGINE_GLOBAL_INDEX, T_INT64,
        1, Pointer.nativeValue(count), Pointer.nativeValue(index)));
    return index.getLong(0);
  }

  /** {@code plan}'s device time per call on these buffers in ms, NaN if it failed. */
  private static float millis(long handle, CudaStream stream, Plan plan, CudaTensor x,
      CudaTensor w, CudaTensor y, long workspace) {
    return StreamTimer.millisPerCall(stream, TIMED_RUNS,
        () -> execute(handle, plan, x.address(), w.address(), y.address(), workspace));
  }
}
