package io.planline.backend.cuda;

import io.planline.backend.DeviceBuffer;
import io.planline.backend.DeviceTensor;
import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import jcuda.driver.JCudaDriver;

/**
 * Where a large output's trip to the host goes (GPU proof diagnostics): the backend's download
 * copying into the heap, and lending pinned memory (left on afterwards), the device-to-pinned
 * copy alone, and pinned then into a Java array. Median of {@code runs} each, in milliseconds,
 * on stream 0's thread (where the context is current).
 */
final class DownloadProbe {

  private DownloadProbe() {}

  static Map<String, Object> measure(CudaBackend gpu, long bytes, int runs) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("bytes", bytes);
    DeviceBuffer buffer = gpu.allocate(bytes);
    try {
      DeviceTensor t = gpu.view(buffer, 0, DType.FLOAT32, new long[] {bytes / 4},
          new long[] {1});
      CudaTensor ct = (CudaTensor) t;
      gpu.lendResults(false);
      row.put("download_ms", median(gpu, runs, () -> {
        long t0 = System.nanoTime();
        gpu.download(t, "probe");
        return System.nanoTime() - t0;
      }));
      gpu.lendResults(true);
      row.put("download_lent_ms", median(gpu, runs, () -> {
        long t0 = System.nanoTime();
        gpu.download(t, "probe").release();
        return System.nanoTime() - t0;
      }));
      PinnedPool pool = new PinnedPool();
      try {
        row.put("dtoh_pinned_ms", median(gpu, runs, () -> {
          PinnedPool.Block b = pool.take(bytes);
          long t0 = System.nanoTime();
          JCudaDriver.cuMemcpyDtoH(b.pointer(), ct.buffer().pointer(), bytes);
          long dt = System.nanoTime() - t0;
          pool.give(b);
          return dt;
        }));
        row.put("dtoh_pinned_then_array_ms", median(gpu, runs, () -> {
          PinnedPool.Block b = pool.take(bytes);
          long t0 = System.nanoTime();
          JCudaDriver.cuMemcpyDtoH(b.pointer(), ct.buffer().pointer(), bytes);
          ByteBuffer out = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
          out.put(b.bytes().duplicate().clear().limit((int) bytes));
          long dt = System.nanoTime() - t0;
          pool.give(b);
          return dt;
        }));
      } finally {
        gpu.call(0, () -> {
          pool.close();
          return 0;
        }).block();
      }
    } finally {
      gpu.free(buffer);
    }
    return row;
  }

  private static double median(CudaBackend gpu, int runs, LongSupplier once) {
    long[] ns = new long[runs];
    for (int i = 0; i < runs; i++) {
      ns[i] = gpu.call(0, once::getAsLong).block();
    }
    Arrays.sort(ns);
    return ns[runs / 2] / 1e6;
  }
}
