package io.planline.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

/**
 * A 32-bit word in host memory that kernels can write (mapped pinned memory): a kernel that
 * finds a bad index sets a bit here instead of trapping, which would poison the whole context.
 * The backend reads and clears it when a request on the stream downloads its results.
 */
final class ErrorWord implements AutoCloseable {

  /** An embedding or index_select index was out of range. */
  static final int INDEX_OUT_OF_RANGE = 1;

  private final Pointer host = new Pointer();
  private final DevicePointer device = new DevicePointer();
  private final ByteBuffer view;

  ErrorWord() {
    CudaException.check("cuMemHostAlloc(error word)", JCudaDriver.cuMemHostAlloc(host, 4,
        JCudaDriver.CU_MEMHOSTALLOC_DEVICEMAP | JCudaDriver.CU_MEMHOSTALLOC_PORTABLE));
    CudaException.check("cuMemHostGetDevicePointer",
        JCudaDriver.cuMemHostGetDevicePointer(device, host, 0));
    view = host.getByteBuffer(0, 4).order(ByteOrder.nativeOrder());
    view.putInt(0, 0);
  }

  /** The address kernels write to. */
  long deviceAddress() {
    return device.address();
  }

  /** The bits raised since the last call, clearing them. Requires: the kernels have finished. */
  synchronized int takeAndClear() {
    int v = view.getInt(0);
    if (v != 0) {
      view.putInt(0, 0);
    }
    return v;
  }

  @Override
  public void close() {
    CudaException.warnIfFailed("cuMemFreeHost(error word)", JCudaDriver.cuMemFreeHost(host));
  }
}
