package io.planline.backend.cpu;

import io.planline.backend.Backend;
import io.planline.backend.DeviceBuffer;
import io.planline.backend.DeviceTensor;
import io.planline.backend.HostLeases;
import io.planline.backend.HostTensor;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.WrapperLine.KernelCallLine;
import io.planline.kernel.CompiledKernels;
import io.planline.kernel.KernelLibrary;
import io.planline.kernel.NativeKernels;
import io.planline.kernel.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The CPU backend: device memory is off-heap (direct buffers) and a stream is a single-thread
 * scheduler that runs its work in order. Kernels come from the CPU kernel library, whose matrix
 * products use their own fixed pool of worker threads.
 */
public final class CpuBackend extends Backend {

  private final KernelLibrary kernels;
  private final List<Scheduler> streams = new ArrayList<>();
  private final FreedBuffers freed = new FreedBuffers(FreedBuffers.DEFAULT_BYTES);
  private final AtomicLong lent = new AtomicLong();
  private volatile boolean lend;

  /** A CPU backend with {@code streams} in-order streams. */
  public CpuBackend(int streams) {
    super(Device.CPU);
    if (streams < 1) {
      throw new IllegalArgumentException("need at least one stream, got " + streams);
    }
    this.kernels = KernelLibrary.cpu();
    for (int i = 0; i < streams; i++) {
      this.streams.add(Schedulers.newSingle("planline-cpu-stream-" + i, true));
    }
  }

  /**
   * Off-heap bytes; zero-size buffers still get a real block so views stay valid. A class, not a
   * record: buffers are compared by identity (a record would compare the bytes they hold).
   */
  private static final class CpuBuffer implements DeviceBuffer {
    private final FreedBuffers.Block block;
    private final long bytes;

    CpuBuffer(FreedBuffers.Block block, long bytes) {
      this.block = block;
      this.bytes = bytes;
    }

    ByteBuffer data() {
      return block.data();
    }

    @Override
    public long bytes() {
      return bytes;
    }

    @Override
    public Device device() {
      return Device.CPU;
    }
  }

  @Override
  protected DeviceBuffer doAllocate(long bytes) {
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a CPU buffer holds at most 2 GiB");
    }
    int capacity = (int) Math.max(bytes, 1);
    return new CpuBuffer(freed.takeOrAllocate(capacity), bytes);
  }

  @Override
  protected void doFree(DeviceBuffer buffer) {
    // Kept for the next request of the same shape (arenas and inputs repeat their sizes); what
    // the cache does not keep the garbage collector releases once unreferenced. The accounting
    // in Backend is what "in use" reports.
    freed.give(((CpuBuffer) buffer).block);
  }

  /** The CPU's device tensor: a kernel-library tensor over a direct buffer. */
  private record CpuTensor(Tensor tensor) implements DeviceTensor {
    @Override
    public DType dtype() {
      return tensor.dtype();
    }

    @Override
    public long[] shape() {
      return tensor.shape();
    }

    @Override
    public long[] stride() {
      return tensor.stride();
    }
  }

  @Override
  public DeviceTensor view(DeviceBuffer buffer, long byteOffset, DType dtype, long[] shape,
      long[] stride) {
    FreedBuffers.Block block = ((CpuBuffer) buffer).block;
    return new CpuTensor(Tensor.of(block.data(), block.address(), byteOffset, dtype, shape,
        stride));
  }

  @Override
  public DeviceTensor reinterpret(DeviceTensor base, long[] shape, long[] stride,
      long elementOffset) {
    return new CpuTensor(((CpuTensor) base).tensor().asStrided(shape, stride, elementOffset));
  }

  @Override
  public void upload(DeviceBuffer buffer, ByteBuffer host) {
    ByteBuffer dst = ((CpuBuffer) buffer).data().duplicate().clear();
    dst.put(host.duplicate());
  }

  @Override
  public Map<String, DeviceTensor> uploadWeights(Map<String, Tensor> weights) {
    // Weights are already in direct buffers: the CPU uses them where they are (and products
    // may keep a packed copy of those they read).
    Map<String, DeviceTensor> out = new LinkedHashMap<>();
    weights.forEach((k, v) -> {
      kernels.markWeight(v);
      out.put(k, new CpuTensor(v));
    });
    return out;
  }

  @Override
  public HostTensor download(DeviceTensor tensor, String name) {
    Tensor t = ((CpuTensor) tensor).tensor();
    if (t.dtype() != DType.FLOAT32 && t.dtype() != DType.INT64) {
      throw new IllegalStateException("output " + name + " has unsupported type " + t.dtype());
    }
    int bytes = Math.toIntExact(t.numel() * t.dtype().itemSize());
    if (!lend || bytes < HostLeases.WORTH_LENDING) {
      ByteBuffer out = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
      t.writeRowMajor(out);
      return new HostTensor(name, t.dtype(), t.shape(), out.flip());
    }
    // A large result goes out in a kept direct buffer, which comes back to the cache when the
    // answer is written, instead of a fresh buffer per request: GPT-2's [2,128] logits 3.8-4.1
    // ms copied, 2.5-2.6 lent (ResultDownloadBench, docs/benchmarks.md). One never released is
    // left to the collector.
    FreedBuffers.Block block = freed.takeOrAllocate(bytes);
    ByteBuffer out = block.data().order(ByteOrder.LITTLE_ENDIAN);
    t.writeRowMajor(out);
    out.flip();
    lent.addAndGet(bytes);
    return HostLeases.lend(new HostTensor(name, t.dtype(), t.shape(), out), out, () -> {
      lent.addAndGet(-bytes);
      freed.give(block);
    }, () -> lent.addAndGet(-bytes));
  }

  @Override
  public void lendResults(boolean on) {
    lend = on;
  }

  @Override
  public long lentBytes() {
    return lent.get();
  }

  @Override
  public PreparedLaunch prepare(KernelCallLine call) {
    var prepared = kernels.prepare(call.kernelName(), call.callArgs(), call.outputs());
    return tensors -> prepared.run(name -> ((CpuTensor) tensors.apply(name)).tensor());
  }

  @Override
  public PreparedLaunch prepareNative(CompiledKernels kernels, KernelCallLine call) {
    if (!(kernels instanceof NativeKernels library)) {
      return super.prepareNative(kernels, call);
    }
    var prepared = library.prepare(call.kernelName(), call.callArgs(), call.outputs());
    return tensors -> prepared.run(name -> ((CpuTensor) tensors.apply(name)).tensor());
  }

  @Override
  public boolean supports(String kernelName) {
    return kernels.supports(kernelName);
  }

  @Override
  public int streams() {
    return streams.size();
  }

  @Override
  public boolean synchronous() {
    return true;
  }

  @Override
  public boolean canRecord() {
    return true;
  }

  /**
   * On the CPU a replay runs the recorded launches again: what it saves is the request's
   * memory steps and the allocation of its arena, not the kernels.
   */
  @Override
  public Replay record(Runnable enqueue) {
    return new Replay() {
      @Override
      public void launch() {
        enqueue.run();
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public Mono<Void> submit(int stream, Runnable work) {
    // The stream thread runs the kernel to completion: done when the task is.
    return Mono.fromRunnable(work).subscribeOn(streams.get(stream)).then();
  }

  @Override
  public <T> Mono<T> call(int stream, Callable<T> work) {
    return Mono.fromCallable(work).subscribeOn(streams.get(stream));
  }

  @Override
  public void close() {
    streams.forEach(Scheduler::dispose);
  }
}
