package io.planline.backend.cuda;

import java.util.function.IntSupplier;
import jcuda.driver.CUevent;
import jcuda.driver.JCudaDriver;

/**
 * Device time of a library call enqueued on a stream, for choosing among a library's candidate
 * algorithms on the call's own buffers (cuDNN's engines, cuBLASLt's algorithms), as
 * {@code cudnn.benchmark} does. It waits for the stream, so it runs once per geometry, never
 * while the stream is being captured into a graph.
 */
final class StreamTimer {

  private StreamTimer() {}

  /**
   * Milliseconds per call of {@code call} (which enqueues on {@code stream} and returns the
   * library's status) over {@code runs} runs after one untimed run, which loads the
   * algorithm's kernels; NaN when a run fails.
   */
  static float millisPerCall(CudaStream stream, int runs, IntSupplier call) {
    CUevent start = new CUevent();
    CUevent end = new CUevent();
    CudaException.check("cuEventCreate", JCudaDriver.cuEventCreate(start, 0));
    CudaException.check("cuEventCreate", JCudaDriver.cuEventCreate(end, 0));
    try {
      if (call.getAsInt() != 0) {
        return Float.NaN;
      }
      CudaException.check("cuEventRecord", JCudaDriver.cuEventRecord(start, stream.handle()));
      for (int i = 0; i < runs; i++) {
        if (call.getAsInt() != 0) {
          return Float.NaN;
        }
      }
      CudaException.check("cuEventRecord", JCudaDriver.cuEventRecord(end, stream.handle()));
      CudaException.check("cuEventSynchronize", JCudaDriver.cuEventSynchronize(end));
      float[] ms = new float[1];
      CudaException.check("cuEventElapsedTime", JCudaDriver.cuEventElapsedTime(ms, start, end));
      return ms[0] / runs;
    } finally {
      JCudaDriver.cuEventDestroy(start);
      JCudaDriver.cuEventDestroy(end);
    }
  }
}
