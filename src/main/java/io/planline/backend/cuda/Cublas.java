package io.planline.backend.cuda;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
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
 * NVIDIA's cuBLAS for the float32 products, one handle per stream, bound to that stream and to
 * a workspace taken from device memory up front (so the memory a request uses is the plan, its
 * inputs and this workspace; nothing is allocated behind the planner's back).
 *
 * <p>Called through JNA rather than JCuda's {@code jcublas}: jcublas 12.6.0's natives are linked
 * against the versioned symbols of {@code libcublas.so.12} and cannot load beside CUDA 13's
 * {@code libcublas.so.13} (the GPU machines here have only that); the few C entry points used
 * here are the same in both. The library is found on the loader's path, or at
 * {@code -Dplanline.cuda.cublas=PATH} / {@code PLANLINE_CUBLAS}.
 *
 * <p>Products go to cuBLASLt ({@link CublasLt}: an algorithm chosen once per product, less host
 * time per call, a bias in the epilogue) where it serves, else to {@code cublasSgemm}.
 *
 * <p>Precision: cuBLAS's default math mode, which computes float32 products in float32 (no
 * TF32), as PyTorch does with {@code allow_tf32} off; {@code -Dplanline.cuda.allow-tf32=true}
 * lets cuBLAS use TF32 tensor cores.
 */
final class Cublas implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Cublas.class);
  static final int OP_N = 0;
  static final int OP_T = 1;
  private static final int DEFAULT_MATH = 0;
  private static final int TF32_TENSOR_OP_MATH = 3;
  /** cuBLAS's own recommendation for Hopper; smaller cards need less. */
  static final long WORKSPACE_BYTES = 32L << 20;

  interface Lib extends Library {
    int cublasCreate_v2(PointerByReference handle);

    int cublasDestroy_v2(Pointer handle);

    int cublasSetStream_v2(Pointer handle, Pointer stream);

    int cublasSetMathMode(Pointer handle, int mode);

    int cublasSetWorkspace_v2(Pointer handle, Pointer workspace, long bytes);
  }

  /**
   * The two products, bound with JNA's direct mapping (interface mapping costs several
   * microseconds of reflection and argument conversion per call; a request makes dozens).
   * Pointers pass as their addresses; {@code alpha} and {@code beta} are host addresses, which
   * cuBLAS reads before the call returns (host pointer mode).
   */
  private static final class Direct {
    private static @Nullable String bound;

    static native int cublasSgemm_v2(long handle, int transa, int transb, int m, int n, int k,
        long alpha, long a, int lda, long b, int ldb, long beta, long c, int ldc);

    static native int cublasSgemmStridedBatched(long handle, int transa, int transb, int m,
        int n, int k, long alpha, long a, int lda, long strideA, long b, int ldb, long strideB,
        long beta, long c, int ldc, long strideC, int batches);

    /** Binds the methods to {@code library}, once per process (a class binds only once). */
    static synchronized void bind(String library) {
      if (bound == null) {
        Native.register(Direct.class, NativeLibrary.getInstance(library));
        bound = library;
      } else if (!bound.equals(library)) {
        LOG.warn("cuBLAS products stay bound to {}, not {}", bound, library);
      }
    }
  }

  /** A thread's two host floats for alpha and beta. */
  private static final ThreadLocal<Memory> SCALARS = ThreadLocal.withInitial(() ->
      new Memory(8));

  private final Lib lib;
  private final boolean tf32;
  /** Each stream's handle (its address), read without a lock on every product. */
  private final Map<Integer, Long> handles = new ConcurrentHashMap<>();
  private final List<DevicePointer> workspaces = new ArrayList<>();
  /** Each stream's workspace (its address), shared by its cuBLAS handle and cuBLASLt's calls. */
  private final Map<Integer, Long> workspaceOf = new ConcurrentHashMap<>();
  private final @Nullable CublasLt lt;

  private Cublas(Lib lib, boolean tf32, @Nullable CublasLt lt) {
    this.lib = lib;
    this.tf32 = tf32;
    this.lt = lt;
  }

  /** cuBLAS, or null (logged once, with why) when its library cannot be loaded. */
  static @Nullable Cublas open() {
    return NvidiaLibraries.open(new NvidiaLibraries.Library("cuBLAS", "planline.cuda.no-cublas",
        "planline.cuda.cublas", "PLANLINE_CUBLAS",
        List.of("cublas", "libcublas.so.13", "libcublas.so.12"),
        "products run on planline's own GEMM kernels"), name -> {
          Lib lib = Native.load(name, Lib.class);
          Direct.bind(name);
          boolean tf32 = Boolean.getBoolean("planline.cuda.allow-tf32");
          LOG.info("cuBLAS from {} for products ({})", name, tf32 ? "TF32 allowed"
              : "float32, no TF32");
          return new Cublas(lib, tf32, CublasLt.open(ltBeside(name), tf32));
        });
  }

  /** cuBLASLt's library beside cuBLAS's {@code name} (a path or a loader name). */
  static String ltBeside(String name) {
    int slash = name.lastIndexOf('/') + 1;
    String file = name.substring(slash);
    String lt = file.startsWith("libcublas.so") ? "libcublasLt.so" + file.substring(12)
        : file.equals("cublas") ? "cublasLt" : file;
    return name.substring(0, slash) + lt;
  }

  /** Device bytes of the workspaces taken so far (one per stream that ran a product). */
  synchronized long workspaceBytes() {
    return workspaces.size() * WORKSPACE_BYTES;
  }

  /** The workspace of {@code stream} (its address), made with its handle. */
  private long workspace(CudaStream stream) {
    handle(stream);
    return workspaceOf.get(stream.index());
  }

  /** The handle of {@code stream}, made on its first product. */
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
    check("cublasCreate", lib.cublasCreate_v2(ref));
    Pointer h = ref.getValue();
    check("cublasSetStream", lib.cublasSetStream_v2(h, new Pointer(stream.address())));
    check("cublasSetMathMode", lib.cublasSetMathMode(h, tf32 ? TF32_TENSOR_OP_MATH
        : DEFAULT_MATH));
    DevicePointer ws = new DevicePointer();
    CudaException.check("cuMemAlloc(cuBLAS workspace)", JCudaDriver.cuMemAlloc(ws,
        WORKSPACE_BYTES));
    workspaces.add(ws);
    workspaceOf.put(stream.index(), ws.address());
    check("cublasSetWorkspace", lib.cublasSetWorkspace_v2(h, new Pointer(ws.address()),
        WORKSPACE_BYTES));
    handles.put(stream.index(), Pointer.nativeValue(h));
    return Pointer.nativeValue(h);
  }

  /**
   * Plans {@code g} on {@code stream} without enqueueing it (cuBLASLt; made and timed on first
   * use, which writes {@code g}'s output, so call it before enqueueing anything into that
   * output).
   */
  void prepare(CudaStream stream, Gemm g) {
    if (lt != null) {
      lt.plan(stream, g, workspace(stream), WORKSPACE_BYTES);
    }
  }

  /**
   * Enqueues {@code g} on {@code stream} through cuBLASLt and says so; false, having enqueued
   * nothing, where Lt is off or refuses the product.
   */
  boolean runLt(CudaStream stream, Gemm g) {
    if (lt == null) {
      return false;
    }
    long ws = workspace(stream);
    CublasLt.Plan plan = lt.plan(stream, g, ws, WORKSPACE_BYTES);
    if (plan == null) {
      return false;
    }
    check("cublasLtMatmul", lt.run(stream, plan, g, ws, WORKSPACE_BYTES));
    return true;
  }

  /** Enqueues {@code g} on {@code stream}: cuBLASLt where it serves, else {@code cublasSgemm}. */
  void gemm(CudaStream stream, Gemm g) {
    if (runLt(stream, g)) {
      return;
    }
    long h = handle(stream);
    Gemm.Shape s = g.shape();
    if (g.bias() != 0) {
      throw new IllegalStateException("a bias needs cuBLASLt, which refused " + s);
    }
    Memory scalars = SCALARS.get();
    scalars.setFloat(0, g.alpha());
    scalars.setFloat(4, g.beta());
    long al = Pointer.nativeValue(scalars);
    if (s.batches() == 1) {
      check("cublasSgemm", Direct.cublasSgemm_v2(h, s.opA(), s.opB(), s.m(), s.n(), s.k(), al,
          g.a(), s.lda(), g.b(), s.ldb(), al + 4, g.c(), s.ldc()));
    } else {
      check("cublasSgemmStridedBatched", Direct.cublasSgemmStridedBatched(h, s.opA(), s.opB(),
          s.m(), s.n(), s.k(), al, g.a(), s.lda(), s.strideA(), g.b(), s.ldb(), s.strideB(),
          al + 4, g.c(), s.ldc(), s.strideC(), s.batches()));
    }
  }

  /**
   * One column-major product {@code C = alpha op(A) op(B) + beta C} over {@code batches}
   * matrices (device addresses, element strides), plus {@code bias} (a device vector of
   * {@code m} floats added to every column of C, or 0 for none; cuBLASLt only).
   */
  record Gemm(Shape shape, float alpha, long a, long b, float beta, long c, long bias) {

    /** What a plan depends on: everything but the addresses and scalars (their alignment). */
    record Shape(int opA, int opB, int m, int n, int k, int lda, int ldb, int ldc, long strideA,
        long strideB, long strideC, int batches, boolean bias, int alignA, int alignB,
        int alignC) {}

    static Gemm of(int opA, int opB, int m, int n, int k, float alpha, long a, int lda,
        long strideA, long b, int ldb, long strideB, float beta, long c, int ldc, long strideC,
        int batches, long bias) {
      return new Gemm(new Shape(opA, opB, m, n, k, lda, ldb, ldc, strideA, strideB, strideC,
          batches, bias != 0, alignment(a), alignment(b), alignment(c)), alpha, a, b, beta, c,
          bias);
    }

    /** The largest power of two up to 256 that divides {@code address} (at least 4). */
    static int alignment(long address) {
      int a = 256;
      while (a > 4 && address % a != 0) {
        a /= 2;
      }
      return a;
    }
  }

  private static void check(String call, int status) {
    if (status != 0) {
      throw new CudaException(call + " failed with cuBLAS status " + status);
    }
  }

  @Override
  public synchronized void close() {
    if (lt != null) {
      lt.close();
    }
    handles.values().forEach(h -> lib.cublasDestroy_v2(new Pointer(h)));
    handles.clear();
    for (DevicePointer p : workspaces) {
      CudaException.warnIfFailed("cuMemFree(cuBLAS workspace)", JCudaDriver.cuMemFree(p));
    }
    workspaces.clear();
  }
}
