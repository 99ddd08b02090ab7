package io.planline.bench;

import io.planline.backend.DeviceBuffer;
import io.planline.backend.DeviceTensor;
import io.planline.backend.HostTensor;
import io.planline.backend.cpu.CpuBackend;
import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;

/**
 * What handing a CPU result to the frontend costs: a copy into a fresh heap buffer (lending off)
 * against a copy into a kept direct buffer given back after use (lending on, as the server runs),
 * alternated per size. Sizes from 1 MiB (the lending threshold) to GPT-2's [2,128] logits.
 *
 * <p>Run: {@code java -cp target/test-classes:target/classes:CLASSPATH
 * io.planline.bench.ResultDownloadBench [RUNS]}. Prints p50 µs per download for each.
 */
public final class ResultDownloadBench {

  private ResultDownloadBench() {}

  public static void main(String[] args) {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    long[] sizes = {1L << 20, 16L << 20, 2L * 128 * 50257 * 4};
    System.out.printf(Locale.ROOT, "# %d runs per size and mode, after %d warm-up%n", runs, runs);
    System.out.println("bytes          copied p50 µs   lent p50 µs");
    try (CpuBackend cpu = new CpuBackend(1)) {
      for (long bytes : sizes) {
        DeviceBuffer b = cpu.allocate(bytes);
        cpu.upload(b, ByteBuffer.allocate((int) bytes));
        DeviceTensor t = cpu.view(b, 0, DType.FLOAT32, new long[] {bytes / 4}, new long[] {1});
        double[] copied = new double[runs];
        double[] lent = new double[runs];
        for (int i = -runs; i < runs; i++) { // the first runs warm up
          cpu.lendResults(false);
          double c = time(cpu, t);
          cpu.lendResults(true);
          double l = time(cpu, t);
          if (i >= 0) {
            copied[i] = c;
            lent[i] = l;
          }
        }
        System.out.printf(Locale.ROOT, "%-14d %14.1f %13.1f%n", bytes, p50(copied), p50(lent));
        cpu.free(b);
      }
    }
  }

  /** One download and its release, as the server does after writing the answer, in µs. */
  private static double time(CpuBackend cpu, DeviceTensor t) {
    long t0 = System.nanoTime();
    HostTensor h = cpu.download(t, "y");
    h.release();
    return (System.nanoTime() - t0) / 1e3;
  }

  private static double p50(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
