package io.planline.kernel;

import io.planline.ir.DType;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Prints the GFLOP/s of the blocked GEMM (all cores, and one core) against a naive i-j-k triple
 * loop over heap arrays, measured in the same run for square sizes.
 *
 * <p>Run: {@code java -cp target/classes io.planline.kernel.KernelBench [size ...]}.
 */
public final class KernelBench {

  private KernelBench() {}

  /** Benchmarks the sizes given as arguments, or 64, 256, 512 and 1024. */
  public static void main(String[] args) {
    int[] sizes = args.length == 0 ? new int[] {64, 256, 512, 1024}
        : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    Parallel all = Parallel.shared();
    Parallel one = new Parallel(1);
    System.out.printf(Locale.ROOT, "cores=%d  java=%s%n", all.threads(),
        System.getProperty("java.version"));
    System.out.printf(Locale.ROOT, "%-16s %14s %14s %14s %10s%n", "M=N=K", "blocked/all",
        "blocked/1", "naive", "speedup");
    for (int s : sizes) {
      Tensor a = random(s, s, 1);
      Tensor b = random(s, s, 2);
      Tensor c = Tensor.allocate(DType.FLOAT32, 1, s, s);
      double flops = 2.0 * s * s * s;
      double gAll = gflops(flops, () -> Gemm.run(all, a, b, c, null, 0f, 1f, true));
      double gOne = gflops(flops, () -> Gemm.run(one, a, b, c, null, 0f, 1f, false));
      float[] x = a.toFloatArray();
      float[] y = b.toFloatArray();
      float[] z = new float[s * s];
      double gNaive = gflops(flops, () -> naive(x, y, z, s));
      System.out.printf(Locale.ROOT, "%-16s %14.2f %14.2f %14.2f %9.1fx%n", s + "x" + s + "x" + s,
          gAll, gOne, gNaive, gAll / gNaive);
    }
  }

  /** Runs {@code body} until about half a second has passed (after warm-up); best GFLOP/s. */
  private static double gflops(double flops, Runnable body) {
    long warmEnd = System.nanoTime() + 300_000_000L;
    do {
      body.run();
    } while (System.nanoTime() < warmEnd);
    double best = 0;
    long end = System.nanoTime() + 500_000_000L;
    do {
      long t0 = System.nanoTime();
      body.run();
      long dt = System.nanoTime() - t0;
      best = Math.max(best, flops / dt);
    } while (System.nanoTime() < end);
    return best;
  }

  /** The textbook loop: one dot product per output element. */
  static void naive(float[] a, float[] b, float[] c, int s) {
    for (int i = 0; i < s; i++) {
      for (int j = 0; j < s; j++) {
        float sum = 0;
        for (int k = 0; k < s; k++) {
          sum += a[i * s + k] * b[k * s + j];
        }
        c[i * s + j] = sum;
      }
    }
  }

  private static Tensor random(int rows, int cols, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return Tensor.fromFloats(v, 1, rows, cols);
  }
}
