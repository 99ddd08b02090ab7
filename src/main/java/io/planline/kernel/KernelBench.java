package io.planline.kernel;

import io.planline.ir.DType;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Prints the GFLOP/s of oneDNN (the right operand packed as a model weight is, and plain),
 * OpenBLAS (split over the cores as planline calls it) and the blocked Java GEMM (all cores, and
 * one core) against a naive i-j-k triple loop over heap arrays, measured in the same run; each
 * figure is the best of the calls made in half a second after warm-up.
 *
 * <p>Run: {@code java -cp target/classes io.planline.kernel.KernelBench [size ...]}.
 */
public final class KernelBench {

  private KernelBench() {}

  /**
   * Benchmarks the shapes given as arguments ({@code S} for S x S x S, or {@code MxKxN}), or
   * 64, 256, 512 and 1024.
   */
  public static void main(String[] args) {
    String[] shapes = args.length == 0 ? new String[] {"64", "256", "512", "1024"} : args;
    Parallel all = Parallel.shared();
    Parallel one = new Parallel(1);
    System.out.printf(Locale.ROOT, "cores=%d  java=%s%n", all.threads(),
        System.getProperty("java.version"));
    System.out.printf(Locale.ROOT, "%-16s %14s %14s %14s %14s %14s %14s%n", "MxKxN",
        "onednn/packed", "onednn", "openblas", "blocked/all", "blocked/1", "naive");
    for (String shape : shapes) {
      String[] p = shape.split("x");
      int m = Integer.parseInt(p[0]);
      int k = p.length == 3 ? Integer.parseInt(p[1]) : m;
      int n = p.length == 3 ? Integer.parseInt(p[2]) : m;
      Tensor a = random(m, k, 1);
      Tensor b = random(k, n, 2);
      Tensor weight = random(k, n, 2);
      KernelLibrary.cpu().markWeight(weight);
      Tensor c = Tensor.allocate(DType.FLOAT32, 1, m, n);
      double flops = 2.0 * m * k * n;
      double gAll = gflops(flops, () -> Gemm.runJava(all, a, b, c, null, 0f, 1f, true));
      double gOne = gflops(flops, () -> Gemm.runJava(one, a, b, c, null, 0f, 1f, false));
      double gPacked = Dnnl.available()
          ? gflops(flops, () -> DnnlProducts.tryRun(a, weight, c, null, 0f, 1f)) : Double.NaN;
      double gDnnl = Dnnl.available()
          ? gflops(flops, () -> DnnlProducts.tryRun(a, b, c, null, 0f, 1f)) : Double.NaN;
      double gBlas = gflops(flops, () -> Blas.tryOpenBlas(a, b, c, null, 0f, 1f));
      float[] x = a.toFloatArray();
      float[] y = b.toFloatArray();
      float[] z = new float[m * n];
      double gNaive = gflops(flops, () -> naive(x, y, z, m, k, n));
      System.out.printf(Locale.ROOT, "%-16s %14.2f %14.2f %14.2f %14.2f %14.2f %14.2f%n",
          m + "x" + k + "x" + n, gPacked, gDnnl, gBlas, gAll, gOne, gNaive);
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
  static void naive(float[] a, float[] b, float[] c, int m, int k, int n) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float sum = 0;
        for (int kk = 0; kk < k; kk++) {
          sum += a[i * k + kk] * b[kk * n + j];
        }
        c[i * n + j] = sum;
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
