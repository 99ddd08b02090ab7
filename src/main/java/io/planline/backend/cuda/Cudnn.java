package io.planline.backend.cuda;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.driver.JCudaDriver;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NVIDIA's cuDNN for float32 2-D convolutions: the calls Inductor leaves to ATen in ResNet-50
 * (53 of them), which planline's implicit-GEMM kernel ran at 2.7-2.9x {@code torch.compile}'s
 * time at batch 32 (docs/gpu.md), where PyTorch itself runs cuDNN.
 *
 * <p>Like {@link Cublas}: called through JNA (the hot call with JNA's direct mapping), one
 * handle per stream bound to that stream and to a workspace taken up front, so that a request's
 * memory stays the plan, its inputs and the libraries' workspaces. Each distinct convolution
 * (shapes, strides, parameters; a bias is added by the caller) gets an execution plan of cuDNN's
 * graph API once per stream ({@link CudnnPlans}, engines timed on first use); one the graph API
 * refuses, or every one under {@code -Dplanline.cuda.cudnn-graph=false}, takes the legacy call,
 * with descriptors and the fastest measured algorithm chosen once. Precision: float32 FMA math
 * (no TF32) unless {@code -Dplanline.cuda.allow-tf32=true}. The library is found on the loader's
 * path, or at {@code -Dplanline.cuda.cudnn=PATH} / {@code PLANLINE_CUDNN}.
 */
final class Cudnn implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Cudnn.class);
  /**
   * Convolutions of fewer multiply-adds ({@code -Dplanline.cuda.cudnn-min-macs}) run on
   * planline's kernel unless captured into a graph, where cuDNN's host time per call (about
   * 23-30 µs through the graph API, 55 through the legacy call) is more than the kernel's device
   * time. ResNet-50's convolutions (12-118 M multiply-adds at batch 1) are past it: all on cuDNN's
   * legacy call, batch 1 took 5.24 ms per request against 5.93 with the old limit of 2^28 (H200,
   * docs/gpu.md). Below 2^23 is not measured: there (digits-cnn's convolutions) the kernel
   * stays.
   */
  static final long MIN_MACS = Long.getLong("planline.cuda.cudnn-min-macs", 1L << 23);
  /**
   * Each stream's workspace, {@code -Dplanline.cuda.cudnn-workspace-bytes}, taken by the first
   * convolution that runs on cuDNN on that stream. cuDNN measures only the algorithms that fit:
   * ResNet-50 [32] on the H200 took 25.7 ms per request with 32 MiB, 20.6 with 512 MiB, 21.7 with
   * 2 GiB (tools/gpu/cudnn_workspace.sh, docs/gpu.md), so 512 MiB is the default; models without
   * large convolutions never take it.
   */
  static final long WORKSPACE_BYTES = Long.getLong("planline.cuda.cudnn-workspace-bytes",
      512L << 20);
  private static final int FLOAT = 0;
  static final int NCHW = 0;
  static final int NHWC = 1;
  private static final int CROSS_CORRELATION = 1;
  private static final int TENSOR_OP_MATH = 1;
  private static final int TENSOR_OP_MATH_ALLOW_CONVERSION = 2;
  private static final int FMA_MATH = 3;
  /** cudnnConvolutionFwdAlgoPerf_t: algo, status, time, memory (size_t), ..., 48 bytes. */
  private static final int PERF_BYTES = 48;
  private static final int PERF_ALGOS = 8;

  /**
   * One convolution's geometry: operand shapes and strides (NCHW order, elements) and the
   * convolution's parameters. Two calls with equal keys share descriptors and algorithm.
   */
  record Key(List<Long> x, List<Long> w, List<Long> y, List<Long> params) {}

  /** A convolution ready to run: descriptors (addresses), the algorithm and its workspace. */
  private record Prepared(long x, long w, long conv, long y, int algo, long workspace) {}

  /** A thread's two host floats, alpha = 1 and beta = 0. */
  private static final ThreadLocal<Memory> SCALARS = ThreadLocal.withInitial(() -> {
    Memory m = new Memory(8);
    m.setFloat(0, 1f);
    m.setFloat(4, 0f);
    return m;
  });

  /** A convolution's plan on one stream; plans are per stream, as the handle is part of one. */
  private record PlanKey(Key key, int stream, long alignment) {}

  /** Marks a geometry the graph API refused, so that it is not asked again. */
  private static final CudnnPlans.Plan REFUSED = new CudnnPlans.Plan(0, 0, -1, Float.NaN,
      new long[0]);

  private final CudnnLib lib;
  private final @Nullable CudnnPlans graphApi;
  private final Map<PlanKey, CudnnPlans.Plan> plans = new ConcurrentHashMap<>();
  private final boolean tf32;
  private final Map<Integer, Long> handles = new ConcurrentHashMap<>();
  /** Each stream's workspace, made with its handle. */
  private final Map<Integer, DevicePointer> workspaces = new ConcurrentHashMap<>();
  private final Map<Key, Prepared> prepared = new ConcurrentHashMap<>();

  private Cudnn(CudnnLib lib, @Nullable CudnnPlans graphApi, boolean tf32) {
    this.lib = lib;
    this.graphApi = graphApi;
    this.tf32 = tf32;
  }

  /** cuDNN, or null (logged once, with why) when its library cannot be loaded. */
  static @Nullable Cudnn open() {
    return NvidiaLibraries.open(new NvidiaLibraries.Library("cuDNN", "planline.cuda.no-cudnn",
        "planline.cuda.cudnn", "PLANLINE_CUDNN",
        List.of("cudnn", "libcudnn.so.9", "libcudnn.so.8"),
        "convolutions run on planline's own kernels"), name -> {
          CudnnLib lib = Native.load(name, CudnnLib.class);
          long version = lib.cudnnGetVersion();
          if (version < 8000) {
            throw new IllegalStateException("version " + version + " (8.0 or later needed)");
          }
          CudnnLib.Direct.bind(name);
          boolean tf32 = Boolean.getBoolean("planline.cuda.allow-tf32");
          LOG.info("cuDNN {} from {} for convolutions ({})", version, name,
              tf32 ? "TF32 allowed" : "float32, no TF32");
          return new Cudnn(lib, CudnnPlans.bind(name, tf32), tf32);
        });
  }

  /** Device bytes of the workspaces taken so far (one per stream that ran a convolution). */
  synchronized long workspaceBytes() {
    return workspaces.size() * WORKSPACE_BYTES;
  }

  /**
   * Enqueues {@code y = conv(x, w)} on {@code stream} for 4-D float32 operands in any
   * strides with a dense NCHW or NHWC weight; with {@code enqueue} false only prepares the call
   * (the stream's handle, the plan or descriptors, and the engine timed on these buffers, which
   * writes {@code y}), so that a later graph capture of the call allocates nothing (allocating
   * is illegal while a stream is captured).
   *
   * @return false, having done nothing, when cuDNN cannot express the call (the weight's layout,
   *     sizes past int, broadcast dimensions, or no algorithm that fits the workspace)
   */
  boolean forward(CudaStream stream, CudaTensor x, CudaTensor w, long[] stride, long[] pad,
      long[] dil, long groups, CudaTensor y, boolean enqueue) {
    Key key = new Key(dims(x), dims(w), dims(y), List.of(stride[0], stride[1], pad[0], pad[1],
        dil[0], dil[1], groups));
    long handle = handle(stream);
    if (graphApi != null) {
      CudnnPlans.Plan plan = plan(stream, handle, key, x, w, y, stride, pad, dil);
      if (plan != REFUSED) {
        if (enqueue) {
          check("cudnnBackendExecute", CudnnPlans.execute(handle, plan, x.address(), w.address(),
              y.address(), workspaces.get(stream.index()).address()));
        }
        return true;
      }
    }
    Prepared p = prepared.get(key);
    if (p == null) {
      p = prepare(stream, handle, key, x, w, y, stride, pad, dil, groups);
    }
    if (p.algo() < 0 || !enqueue) {
      return p.algo() >= 0;
    }
    long scalars = Pointer.nativeValue(SCALARS.get());
    check("cudnnConvolutionForward", CudnnLib.Direct.cudnnConvolutionForward(handle, scalars,
        p.x(), x.address(), p.w(), w.address(), p.conv(), p.algo(),
        workspaces.get(stream.index()).address(), p.workspace(), scalars + 4, p.y(),
        y.address()));
    return true;
  }

  /** The graph API's plan for this call on {@code stream}, made (and measured) on first use. */
  private CudnnPlans.Plan plan(CudaStream stream, long handle, Key key, CudaTensor x,
      CudaTensor w, CudaTensor y, long[] stride, long[] pad, long[] dil) {
    PlanKey pk = new PlanKey(key, stream.index(),
        CudnnPlans.alignment(x.address(), w.address(), y.address()));
    CudnnPlans.Plan plan = plans.get(pk);
    if (plan != null) {
      return plan;
    }
    CudnnPlans.Plan made = graphApi.prepare(handle, stream, x, w, y, stride, pad, dil,
        workspaces.get(stream.index()).address(), WORKSPACE_BYTES);
    if (made == null) {
      LOG.info("cuDNN's graph API has no float32 engine for convolution {}; its legacy call runs "
          + "it", key);
      made = REFUSED;
    } else {
      LOG.debug("cuDNN engine {} for convolution {} on stream {}: {} ms measured, {} workspace "
          + "bytes", made.engine(), key, stream.index(), made.millis(), made.workspace());
    }
    plans.put(pk, made);
    return made;
  }

  private static List<Long> dims(CudaTensor t) {
    List<Long> d = new ArrayList<>(8);
    for (long v : t.shapeRef()) {
      d.add(v);
    }
    for (long v : t.strideRef()) {
      d.add(v);
    }
    return d;
  }

  private synchronized Prepared prepare(CudaStream stream, long handle, Key key, CudaTensor x,
      CudaTensor w, CudaTensor y, long[] stride, long[] pad, long[] dil, long groups) {
    Prepared done = prepared.get(key);
    if (done != null) {
      return done;
    }
    int format = filterFormat(w.shapeRef(), w.strideRef(),
        x.shapeRef()[1] > 1 && x.strideRef()[1] == 1);
    if (format < 0 || !fitsInt(x) || !fitsInt(w) || !fitsInt(y)) {
      Prepared refused = new Prepared(0, 0, 0, 0, -1, 0);
      prepared.put(key, refused);
      return refused;
    }
    Pointer xd = tensor(x);
    Pointer yd = tensor(y);
    PointerByReference ref = new PointerByReference();
    check("cudnnCreateFilterDescriptor", lib.cudnnCreateFilterDescriptor(ref));
    Pointer wd = ref.getValue();
    long[] ws = w.shapeRef();
    check("cudnnSetFilter4dDescriptor", lib.cudnnSetFilter4dDescriptor(wd, FLOAT, format,
        (int) ws[0], (int) ws[1], (int) ws[2], (int) ws[3]));
    check("cudnnCreateConvolutionDescriptor", lib.cudnnCreateConvolutionDescriptor(ref));
    Pointer cd = ref.getValue();
    check("cudnnSetConvolution2dDescriptor", lib.cudnnSetConvolution2dDescriptor(cd,
        (int) pad[0], (int) pad[1], (int) stride[0], (int) stride[1], (int) dil[0],
        (int) dil[1], CROSS_CORRELATION, FLOAT));
    check("cudnnSetConvolutionGroupCount", lib.cudnnSetConvolutionGroupCount(cd, (int) groups));
    check("cudnnSetConvolutionMathType", lib.cudnnSetConvolutionMathType(cd,
        tf32 ? TENSOR_OP_MATH : FMA_MATH));
    // Measured choice first (cuDNN runs each algorithm once on these very buffers, in the
    // stream's order, within the workspace), as PyTorch does with cudnn.benchmark; its
    // heuristics where measuring fails. Once per geometry, before any capture.
    long[] chosen = choose(true, handle, xd, x, wd, w, cd, yd, y, stream);
    if (chosen == null) {
      chosen = choose(false, handle, xd, x, wd, w, cd, yd, y, stream);
    }
    int algo = chosen == null ? -1 : (int) chosen[0];
    long workspace = chosen == null ? 0 : chosen[1];
    if (algo < 0) {
      LOG.info("cuDNN has no float32 algorithm within {} workspace bytes for convolution {}; "
          + "planline's kernel runs it", WORKSPACE_BYTES, key);
    }
    Prepared p = new Prepared(Pointer.nativeValue(xd), Pointer.nativeValue(wd),
        Pointer.nativeValue(cd), Pointer.nativeValue(yd), algo, workspace);
    prepared.put(key, p); // also when refused: the heuristics are not asked again
    return p;
  }

  /**
   * {algorithm, workspace bytes}: the fastest measured ({@code measure}) or the first of cuDNN's
   * heuristics that succeeds within the workspace without TF32 (unless allowed); null if none.
   */
  private long @Nullable [] choose(boolean measure, long handle, Pointer xd, CudaTensor x,
      Pointer wd, CudaTensor w, Pointer cd, Pointer yd, CudaTensor y, CudaStream stream) {
    Memory perf = new Memory((long) PERF_BYTES * PERF_ALGOS);
    IntByReference returned = new IntByReference();
    int status = measure
        ? lib.cudnnFindConvolutionForwardAlgorithmEx(new Pointer(handle), xd,
            new Pointer(x.address()), wd, new Pointer(w.address()), cd, yd,
            new Pointer(y.address()), PERF_ALGOS, returned, perf,
            new Pointer(workspaces.get(stream.index()).address()), WORKSPACE_BYTES)
        : lib.cudnnGetConvolutionForwardAlgorithm_v7(new Pointer(handle), xd, wd, cd, yd,
            PERF_ALGOS, returned, perf);
    if (status != 0) {
      LOG.debug("cuDNN {} failed with status {}", measure ? "measuring" : "heuristics", status);
      return null;
    }
    for (int i = 0; i < returned.getValue(); i++) {
      long at = (long) i * PERF_BYTES;
      int math = perf.getInt(at + 28);
      boolean allowed = tf32 || (math != TENSOR_OP_MATH && math != TENSOR_OP_MATH_ALLOW_CONVERSION);
      if (perf.getInt(at + 4) == 0 && perf.getLong(at + 16) <= WORKSPACE_BYTES && allowed) {
        return new long[] {perf.getInt(at), perf.getLong(at + 16)};
      }
    }
    return null;
  }

  /**
   * NCHW when the weight is dense OIHW, NHWC when dense OHWI, else -1. A weight that is both
   * (1x1 kernels) takes the input's layout: cuDNN's kernels for channels-last activations read
   * channels-last filters.
   */
  static int filterFormat(long[] s, long[] st, boolean channelsLastInput) {
    long o = s[0];
    long i = s[1];
    long h = s[2];
    long wd = s[3];
    boolean nchw = (o == 1 || st[0] == i * h * wd) && (i == 1 || st[1] == h * wd)
        && (h == 1 || st[2] == wd) && (wd == 1 || st[3] == 1);
    boolean nhwc = (o == 1 || st[0] == h * wd * i) && (i == 1 || st[1] == 1)
        && (h == 1 || st[2] == wd * i) && (wd == 1 || st[3] == i);
    if (nchw && nhwc) {
      return channelsLastInput ? NHWC : NCHW;
    }
    return nhwc ? NHWC : nchw ? NCHW : -1;
  }

  private Pointer tensor(CudaTensor t) {
    PointerByReference ref = new PointerByReference();
    check("cudnnCreateTensorDescriptor", lib.cudnnCreateTensorDescriptor(ref));
    Pointer d = ref.getValue();
    long[] s = t.shapeRef();
    long[] st = t.strideRef();
    check("cudnnSetTensor4dDescriptorEx", lib.cudnnSetTensor4dDescriptorEx(d, FLOAT, (int) s[0],
        (int) s[1], (int) s[2], (int) s[3], (int) st[0], (int) st[1], (int) st[2],
        (int) st[3]));
    return d;
  }

  /** Sizes and strides that cuDNN's int descriptors hold: no overflow, no broadcast dims. */
  private static boolean fitsInt(CudaTensor t) {
    long[] s = t.shapeRef();
    long[] st = t.strideRef();
    for (int i = 0; i < s.length; i++) {
      if (s[i] > Integer.MAX_VALUE || st[i] > Integer.MAX_VALUE || (s[i] > 1 && st[i] < 1)) {
        return false;
      }
    }
    return true;
  }

  /** The handle of {@code stream} (its address), made with its workspace on first use. */
  private long handle(CudaStream stream) {
    Long h = handles.get(stream.index());
    return h != null ? h : create(stream);
  }

  private synchronized long create(CudaStream stream) {
    Long existing = handles.get(stream.index());
    if (existing != null) {
      return existing;
    }
    PointerByReference ref = new PointerByReference();
    check("cudnnCreate", lib.cudnnCreate(ref));
    Pointer h = ref.getValue();
    check("cudnnSetStream", lib.cudnnSetStream(h, new Pointer(stream.address())));
    DevicePointer ws = new DevicePointer();
    CudaException.check("cuMemAlloc(cuDNN workspace)", JCudaDriver.cuMemAlloc(ws,
        WORKSPACE_BYTES));
    workspaces.put(stream.index(), ws);
    handles.put(stream.index(), Pointer.nativeValue(h));
    return Pointer.nativeValue(h);
  }

  private void check(String call, int status) {
    if (status != 0) {
      throw new CudaException(call + " failed with cuDNN status " + status + " ("
          + lib.cudnnGetErrorString(status) + ")");
    }
  }

  @Override
  public synchronized void close() {
    plans.values().stream().filter(p -> p != REFUSED).forEach(CudnnPlans.Plan::destroy);
    plans.clear();
    for (Prepared p : prepared.values()) {
      if (p.x() == 0) {
        continue; // refused before any descriptor was made
      }
      lib.cudnnDestroyTensorDescriptor(new Pointer(p.x()));
      lib.cudnnDestroyTensorDescriptor(new Pointer(p.y()));
      lib.cudnnDestroyFilterDescriptor(new Pointer(p.w()));
      lib.cudnnDestroyConvolutionDescriptor(new Pointer(p.conv()));
    }
    prepared.clear();
    handles.values().forEach(h -> lib.cudnnDestroy(new Pointer(h)));
    handles.clear();
    for (DevicePointer p : workspaces.values()) {
      CudaException.warnIfFailed("cuMemFree(cuDNN workspace)", JCudaDriver.cuMemFree(p));
    }
    workspaces.clear();
  }
}
