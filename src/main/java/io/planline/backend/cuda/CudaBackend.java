package io.planline.backend.cuda;

import io.planline.backend.Backend;
import io.planline.backend.BackendException;
import io.planline.backend.DeviceBuffer;
import io.planline.backend.DeviceTensor;
import io.planline.backend.HostTensor;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.WrapperLine.KernelCallLine;
import io.planline.kernel.CompiledKernels;
import io.planline.kernel.Tensor;
import io.planline.kernel.TritonKernel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.concurrent.Callable;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The CUDA backend. Device memory comes from a caching allocator ({@link DeviceMemory}), weights
 * live in one allocation per model outside request memory, host copies go through pinned blocks,
 * and each stream is a CUDA stream with its own thread ({@link CudaStream}) whose batches of
 * launches are signalled back through events ({@link Completions}).
 */
public final class CudaBackend extends Backend {

  private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);
  /** Weights are laid out at this alignment inside their block (coalesced, vector loads). */
  private static final long WEIGHT_ALIGN = 256;

  private final CudaContext context;
  private final Kernels kernels;
  private final @org.jspecify.annotations.Nullable Cublas cublas;
  private final @org.jspecify.annotations.Nullable Cudnn cudnn;
  private final CudaOps ops;
  private final DeviceMemory memory;
  private final PinnedPool pinned = new PinnedPool();
  private final HostCopies copies;
  private final Completions completions;
  private final List<CudaStream> streams = new ArrayList<>();
  private final List<DevicePointer> weightBlocks = new ArrayList<>();
  private final List<TritonModules> tritonModules = new ArrayList<>();
  private long weightBytes;
  private boolean closed;

  private CudaBackend(CudaContext context, int streams) {
    super(Device.CUDA0);
    this.context = context;
    this.kernels = new Kernels();
    this.cublas = Cublas.open();
    this.cudnn = Cudnn.open();
    this.ops = CudaOps.all(cublas, cudnn);
    this.memory = new DeviceMemory(Device.CUDA0);
    this.copies = new HostCopies(context, pinned);
    this.completions = new Completions(context, streams);
    for (int i = 0; i < streams; i++) {
      this.streams.add(new CudaStream(i, context, completions));
    }
  }

  /**
   * Opens GPU 0 with {@code streams} streams.
   *
   * @throws BackendException saying why there is no usable GPU: the PTX kernels are missing
   *     from this build, JCuda's driver library or the NVIDIA driver cannot be loaded, or the
   *     driver reports no device
   */
  public static CudaBackend open(int streams) {
    if (streams < 1) {
      throw new IllegalArgumentException("need at least one stream, got " + streams);
    }
    List<String> missing = Kernels.missingModules();
    if (!missing.isEmpty()) {
      throw new BackendException("the CUDA kernels (PTX " + missing + ") are not in this build: "
          + "it was built without nvcc on the PATH; rebuild with CUDA's nvcc (12 or later)");
    }
    CudaContext context;
    try {
      context = CudaContext.open(0);
    } catch (LinkageError e) {
      throw new BackendException("cannot load the CUDA driver through JCuda (" + e
          + "); is the NVIDIA driver (libcuda.so.1) installed?", e);
    } catch (CudaException e) {
      throw new BackendException(e.code() < 0 ? e.getMessage() : "no usable GPU: "
          + e.getMessage(), e);
    }
    try {
      CudaBackend b = new CudaBackend(context, streams);
      LOG.info("CUDA backend on {} with {} streams, {} operators", context, streams,
          b.ops.operators().size());
      return b;
    } catch (RuntimeException e) {
      context.close();
      throw e;
    }
  }

  /** The GPU's name and driver, for logs and reports. */
  public String deviceName() {
    return context.toString();
  }

  /** The operators this backend launches, sorted. */
  public SortedSet<String> operators() {
    return ops.operators();
  }

  /** {free, total} device bytes as the driver reports them. */
  public long[] memoryInfo() {
    return context.memoryInfo();
  }

  /** Bytes taken from the driver for request memory (in use plus cached). */
  public long reservedBytes() {
    return memory.reservedBytes();
  }

  /** Request-memory allocations that missed the cache and went to the driver. */
  public long driverAllocations() {
    return memory.driverAllocations();
  }

  /** Device bytes of cuBLAS's workspaces (one per stream that ran a product). */
  public long cublasWorkspaceBytes() {
    return cublas == null ? 0 : cublas.workspaceBytes();
  }

  /** Device bytes of cuDNN's workspaces (one per stream that ran a convolution on it). */
  public long cudnnWorkspaceBytes() {
    return cudnn == null ? 0 : cudnn.workspaceBytes();
  }

  /** Bytes of all uploaded weights. */
  public synchronized long weightBytes() {
    return weightBytes;
  }

  /** The context, for measurements. */
  CudaContext contextForTests() {
    return context;
  }

  /** The pinned pool, for measurements. */
  PinnedPool pinnedForTests() {
    return pinned;
  }

  /** The kernel launcher, for failure-path checks. */
  Kernels kernelsForTests() {
    return kernels;
  }

  /** Gives cached blocks back to the driver (not those in use). */
  public void emptyCache() {
    context.makeCurrent();
    memory.emptyCache();
  }

  @Override
  protected DeviceBuffer doAllocate(long bytes) {
    context.makeCurrent();
    return memory.allocate(bytes);
  }

  @Override
  protected void doFree(DeviceBuffer buffer) {
    CudaBuffer b = (CudaBuffer) buffer;
    CudaStream s = CudaStream.current();
    if (s != null) {
      // kernels enqueued before this free may still read it: back to the cache once they ran
      s.deferRelease(() -> memory.release(b));
    } else {
      context.synchronize();
      memory.release(b);
    }
  }

  @Override
  public DeviceTensor view(DeviceBuffer buffer, long byteOffset, DType dtype, long[] shape,
      long[] stride) {
    return new CudaTensor((CudaBuffer) buffer, byteOffset, dtype, shape, stride);
  }

  @Override
  public DeviceTensor reinterpret(DeviceTensor base, long[] shape, long[] stride,
      long elementOffset) {
    return ((CudaTensor) base).restride(shape, stride, elementOffset);
  }

  @Override
  public void upload(DeviceBuffer buffer, ByteBuffer host) {
    copies.upload((CudaBuffer) buffer, host);
  }

  @Override
  public synchronized Map<String, DeviceTensor> uploadWeights(Map<String, Tensor> weights) {
    context.makeCurrent();
    long total = 0;
    Map<String, Long> offsets = new LinkedHashMap<>();
    for (var e : weights.entrySet()) {
      if (!e.getValue().isContiguous()) {
        // the upload below writes row-major data with contiguous strides, which a Triton kernel
        // compiled for the weight's own strides would misread; GPU exports write no strides
        throw new IllegalArgumentException("weight " + e.getKey() + " is strided (stride "
            + java.util.Arrays.toString(e.getValue().stride()) + ", format version 3, a CPU "
            + "export); the CUDA backend uploads contiguous weights only");
      }
      offsets.put(e.getKey(), total);
      total += (e.getValue().numel() * e.getValue().dtype().itemSize() + WEIGHT_ALIGN - 1)
          / WEIGHT_ALIGN * WEIGHT_ALIGN;
    }
    Map<String, DeviceTensor> out = new LinkedHashMap<>();
    if (total == 0) {
      return out;
    }
    // one allocation per model: no per-tensor rounding, one block to account for
    DevicePointer block = new DevicePointer();
    CudaException.check("cuMemAlloc(weights, " + total + " bytes)",
        JCudaDriver.cuMemAlloc(block, total));
    CudaBuffer buffer = new CudaBuffer(Device.CUDA0, block, total, total);
    ByteBuffer staging = ByteBuffer.allocateDirect((int) total).order(ByteOrder.LITTLE_ENDIAN);
    for (var e : weights.entrySet()) {
      Tensor t = e.getValue();
      int at = (int) (long) offsets.get(e.getKey());
      ByteBuffer slot = staging.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(at);
      // any element type, byte for byte: a Triton kernel reads a bool mask (GPT-Neo's causal
      // one) as the bytes PyTorch keeps it in
      try {
        t.writeRowMajor(slot);
      } catch (IllegalStateException notRowMajor) {
        throw new IllegalArgumentException("weight " + e.getKey() + ": "
            + notRowMajor.getMessage(), notRowMajor);
      }
      out.put(e.getKey(), new CudaTensor(buffer, at, t.dtype(), t.shape(),
          Tensor.contiguousStrides(t.shape())));
    }
    CudaException.check("cuMemcpyHtoD(weights)", JCudaDriver.cuMemcpyHtoD(block,
        jcuda.Pointer.to(staging), total));
    weightBlocks.add(block);
    weightBytes += total;
    return out;
  }

  /**
   * Frees an unloaded model's weight block (all its weights live in one) and unloads its Triton
   * modules. Its last request has finished: whatever the device still runs is other models'.
   */
  @Override
  public synchronized void releaseModel(Map<String, DeviceTensor> weights,
      @org.jspecify.annotations.Nullable CompiledKernels kernels) {
    context.makeCurrent();
    java.util.Set<DevicePointer> blocks = java.util.Collections.newSetFromMap(
        new java.util.IdentityHashMap<>());
    for (DeviceTensor w : weights.values()) {
      DevicePointer p = ((CudaTensor) w).buffer().pointer();
      if (p != null && blocks.add(p) && weightBlocks.remove(p)) {
        weightBytes -= ((CudaTensor) w).buffer().bytes();
        CudaException.warnIfFailed("cuMemFree(weights)", JCudaDriver.cuMemFree(p));
      }
    }
    if (kernels instanceof TritonModules m && tritonModules.remove(m)) {
      m.close();
    }
  }

  @Override
  public HostTensor download(DeviceTensor tensor, String name) {
    return copies.download((CudaTensor) tensor, name);
  }

  @Override
  public void lendResults(boolean lend) {
    copies.lend(lend);
  }

  @Override
  public long lentBytes() {
    return copies.lentBytes();
  }

  /**
   * The bytes of a dense tensor, copied to the host (any element type; for checks). Requires:
   * the work that wrote it has finished (run it through {@link #call}).
   */
  ByteBuffer rawCopy(CudaTensor t) {
    return copies.rawCopy(t);
  }

  @Override
  public PreparedLaunch prepare(KernelCallLine call) {
    return ops.prepare(call, kernels);
  }

  @Override
  public synchronized CompiledKernels loadTriton(List<TritonKernel.Binary> binaries) {
    context.makeCurrent();
    TritonModules m = new TritonModules(binaries);
    tritonModules.add(m);
    return m;
  }

  @Override
  public PreparedLaunch prepareNative(CompiledKernels compiled, KernelCallLine call) {
    if (!(compiled instanceof TritonModules m)) {
      return super.prepareNative(compiled, call);
    }
    return m.prepare(call);
  }

  @Override
  public boolean supports(String kernelName) {
    return ops.supports(kernelName);
  }

  @Override
  public boolean canRecord() {
    return true;
  }

  @Override
  public Replay record(Runnable enqueue) {
    CudaStream s = CudaStream.current();
    if (s == null) {
      throw new IllegalStateException("record from a stream's own thread (a submitted task)");
    }
    return CudaGraph.capture(s, enqueue);
  }

  @Override
  public int streams() {
    return streams.size();
  }

  @Override
  public Mono<Void> submit(int stream, Runnable work) {
    CudaStream s = streams.get(stream);
    return Mono.create(sink -> s.submit(work, sink));
  }

  @Override
  public <T> Mono<T> call(int stream, Callable<T> work) {
    CudaStream s = streams.get(stream);
    // Everything before it on the stream must have finished on the device: the stream thread
    // waits for that itself. (An empty task's completion event first, then the work, cost two
    // trips through the completion poller and the stream thread while the device sat idle.)
    return Mono.create(sink -> s.post(() -> {
      try {
        s.synchronize();
        sink.success(work.call());
      } catch (Throwable e) {
        sink.error(e);
      }
    }));
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    streams.forEach(CudaStream::close);
    completions.close();
    context.makeCurrent();
    if (cublas != null) {
      cublas.close();
    }
    if (cudnn != null) {
      cudnn.close();
    }
    memory.emptyCache();
    for (DevicePointer p : weightBlocks) {
      CudaException.warnIfFailed("cuMemFree(weights)", JCudaDriver.cuMemFree(p));
    }
    weightBlocks.clear();
    tritonModules.forEach(TritonModules::close);
    tritonModules.clear();
    if (copies.lentBytes() > 0) {
      LOG.warn("closing with {} bytes of results still lent in pinned memory; they are freed "
          + "with the context, and must not be read any more", copies.lentBytes());
    }
    pinned.close();
    context.close();
  }
}
