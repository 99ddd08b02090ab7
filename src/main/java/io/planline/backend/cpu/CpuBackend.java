package io.planline.backend.cpu;

import io.planline.backend.Backend;
import io.planline.backend.DeviceBuffer;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.WrapperLine.KernelCallLine;
import io.planline.kernel.KernelLibrary;
import io.planline.kernel.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
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
    private final ByteBuffer data;
    private final long bytes;

    CpuBuffer(ByteBuffer data, long bytes) {
      this.data = data;
      this.bytes = bytes;
    }

    ByteBuffer data() {
      return data;
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
    return new CpuBuffer(ByteBuffer.allocateDirect((int) Math.max(bytes, 1)), bytes);
  }

  @Override
  protected void doFree(DeviceBuffer buffer) {
    // Direct buffers are released by the garbage collector once unreferenced; the accounting
    // in Backend is what "in use" reports.
  }

  @Override
  public Tensor view(DeviceBuffer buffer, long byteOffset, DType dtype, long[] shape,
      long[] stride) {
    return Tensor.of(((CpuBuffer) buffer).data(), byteOffset, dtype, shape, stride);
  }

  @Override
  public void upload(DeviceBuffer buffer, ByteBuffer host) {
    ByteBuffer dst = ((CpuBuffer) buffer).data().duplicate().clear();
    dst.put(host.duplicate());
  }

  @Override
  public PreparedLaunch prepare(KernelCallLine call) {
    var prepared = kernels.prepare(call.kernelName(), call.callArgs(), call.outputs());
    return prepared::run;
  }

  @Override
  public boolean supports(String kernelName) {
    return kernels.supports(kernelName);
  }

  @Override
  public Scheduler stream(int index) {
    return streams.get(index % streams.size());
  }

  @Override
  public int streams() {
    return streams.size();
  }

  @Override
  public void close() {
    streams.forEach(Scheduler::dispose);
  }
}
