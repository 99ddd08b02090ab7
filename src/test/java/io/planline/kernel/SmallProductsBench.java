package io.planline.kernel;

import io.planline.ir.DType;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Microseconds per call of a few rows times a model's weight (stored as {@code w.t()}, as the
 * exported models store linear weights, plus a bias row), on each route a product can take:
 * OpenBLAS's matrix-vector product per row ({@link GemvRows}, what {@link SmallProducts}
 * takes first), the Java rows from the weight's heap copy ({@link SmallProducts#javaRows}, its
 * route without OpenBLAS), what {@link Blas#tryRun} picks (oneDNN from 2^14 multiply-adds, else
 * OpenBLAS), OpenBLAS's {@code sgemm} alone, and the Java {@link SmallGemm}. Each figure is
 * the median of the calls made in 0.3 s after 0.2 s of warm-up, in the same run.
 *
 * <p>{@code java -cp target/test-classes:target/classes:CLASSPATH
 * io.planline.kernel.SmallProductsBench [MxKxN ...]} (default: the digits models' layers and a
 * few larger ones).
 */
public final class SmallProductsBench {

  private SmallProductsBench() {}

  public static void main(String[] args) {
    String[] shapes = args.length > 0 ? args : new String[] {"1x64x128", "1x128x64", "1x64x10",
        "1x512x64", "4x512x64", "1x256x256", "1x512x256", "1x768x768"};
    System.out.printf(Locale.ROOT, "%-12s %9s %12s %12s %12s %12s %12s%n", "MxKxN", "macs",
        "sgemv-rows", "java-rows", "blas.tryRun", "openblas", "smallgemm");
    for (String shape : shapes) {
      String[] p = shape.split("x");
      int m = Integer.parseInt(p[0]);
      int k = Integer.parseInt(p[1]);
      int n = Integer.parseInt(p[2]);
      Tensor a = random(new long[] {1, m, k}, 1);
      // [N, K] stored, read as [1, K, N] with strides (0, 1, K): a linear layer's w.t()
      Tensor stored = random(new long[] {n, k}, 2);
      KernelLibrary.cpu().markWeight(stored);
      Tensor w = stored.asStrided(new long[] {1, k, n}, new long[] {0, 1, k}, 0);
      Tensor bias = random(new long[] {n}, 3).asStrided(new long[] {1, m, n},
          new long[] {0, 0, 1}, 0);
      Tensor c = Tensor.allocate(DType.FLOAT32, 1, m, n);
      double gemv = micros(() -> GemvRows.tryRun(a, w, c, bias, 1f, 1f));
      double java = micros(() -> SmallProducts.javaRows(a, w, c, bias, 1f, 1f));
      double routed = micros(() -> Blas.tryRun(a, w, c, bias, 1f, 1f));
      double blas = micros(() -> Blas.tryOpenBlas(a, w, c, bias, 1f, 1f));
      double small = micros(() -> SmallGemm.run(a, w, c, bias, 1f, 1f));
      System.out.printf(Locale.ROOT, "%-12s %9d %12.3f %12.3f %12.3f %12.3f %12.3f%n", shape,
          (long) m * k * n, gemv, java, routed, blas, small);
    }
    System.exit(0); // OpenBLAS's threads are not daemons
  }

  private static double micros(Runnable op) {
    return CallTimes.medianNanos(op, 1) / 1e3;
  }

  private static Tensor random(long[] shape, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[(int) Tensor.numel(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return Tensor.fromFloats(v, shape);
  }
}
