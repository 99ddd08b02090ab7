package io.planline.kernel;

import io.planline.ir.DType;
import java.util.Locale;

/**
 * ResNet-50's convolution shapes on the CPU as Inductor lays them out (channels-last
 * activations, OIHW weights), batch 1: the im2col convolution against the OpenBLAS product alone
 * on same-sized operands, so what is not the product (columns, weight turning) shows; and
 * oneDNN's convolution ({@link DnnlConv}, the weight marked as a model's) on channels-last and
 * on NCHW data.
 *
 * <p>{@code java -cp target/test-classes:target/classes:CLASSPATH io.planline.kernel.ConvBench
 * [N:C:H:OC:K:S:P ...]}: other shapes (batch, channels, size, filters, kernel, stride, padding),
 * such as digits-cnn's {@code 64:16:8:32:3:1:1}.
 */
public final class ConvBench {

  private ConvBench() {}

  private static Tensor channelsLast(long n, long c, long h, long w) {
    return Tensor.allocate(DType.FLOAT32, n, h, w, c).permute(0, 3, 1, 2);
  }

  public static void main(String[] args) {
    Parallel par = new Parallel(Runtime.getRuntime().availableProcessors());
    // batch, channels, size, filters, kernel, stride, padding
    long[][] cases = {{1, 3, 224, 64, 7, 2, 3}, {1, 64, 56, 64, 3, 1, 1},
        {1, 64, 56, 256, 1, 1, 0}, {1, 256, 56, 64, 1, 1, 0}, {1, 128, 28, 128, 3, 1, 1},
        {1, 512, 7, 2048, 1, 1, 0}};
    if (args.length > 0) {
      cases = java.util.Arrays.stream(args).map(a -> java.util.Arrays.stream(a.split(":"))
          .mapToLong(Long::parseLong).toArray()).toArray(long[][]::new);
    }
    System.out.printf(Locale.ROOT, "# %d threads, median of the runs in 0.3 s (at least 61) after "
        + "0.2 s of warm-up%n", par.threads());
    System.out.printf(Locale.ROOT, "%-28s %10s %10s %12s %14s %14s%n", "convolution",
        "conv ms", "sgemm ms", "conv GFLOP/s", "onednn NHWC", "onednn NCHW");
    for (long[] cs : cases) {
      long n = cs[0];
      long c = cs[1];
      long h = cs[2];
      long oc = cs[3];
      long k = cs[4];
      long[] s = {cs[5], cs[5]};
      long[] p = {cs[6], cs[6]};
      long oh = (h + 2 * cs[6] - k) / cs[5] + 1;
      Tensor x = channelsLast(n, c, h, h);
      Tensor w = Tensor.allocate(DType.FLOAT32, oc, c, k, k);
      Tensor out = channelsLast(n, oc, oh, oh);
      double conv = median(() -> ConvChannelsLast.run(par, x, w, null, out, s, p,
          new long[] {1, 1}));
      Tensor cols = Tensor.allocate(DType.FLOAT32, 1, n * oh * oh, c * k * k);
      Tensor wt = w.asStrided(new long[] {1, c * k * k, oc}, new long[] {0, 1, c * k * k}, 0);
      Tensor tgt = Tensor.allocate(DType.FLOAT32, 1, n * oh * oh, oc);
      double gemm = median(() -> Blas.tryRun(cols, wt, tgt, null, 0f, 1f));
      double gflop = 2.0 * n * oc * c * k * k * oh * oh / 1e9;
      Tensor weight = Tensor.allocate(DType.FLOAT32, oc, c, k, k);
      KernelLibrary.cpu().markWeight(weight);
      long[] one = {1, 1};
      double nhwc = median(() -> DnnlConv.tryRun(x, weight, null, s, p, one, 1, out));
      Tensor xc = Tensor.allocate(DType.FLOAT32, n, c, h, h);
      Tensor outc = Tensor.allocate(DType.FLOAT32, n, oc, oh, oh);
      double nchw = median(() -> DnnlConv.tryRun(xc, weight, null, s, p, one, 1, outc));
      System.out.printf(Locale.ROOT, "%-28s %10.3f %10.3f %12.1f %14.1f %14.1f%n",
          (n > 1 ? n + "x" : "") + c + "->" + oc + " " + k + "x" + k + "/" + cs[5] + " at " + h
          + "x" + h, conv, gemm, gflop / conv * 1e3, gflop / nhwc * 1e3, gflop / nchw * 1e3);
      System.out.printf(Locale.ROOT, "%-28s %10s %10s %12s %14.3f %14.3f%n", "  (ms)", "", "",
          "", nhwc, nchw);
    }
    System.exit(0); // OpenBLAS's threads are not daemons
  }

  /** Median ms per call ({@link CallTimes}, at least 61 calls). */
  private static double median(Runnable op) {
    return CallTimes.medianNanos(op, 61) / 1e6;
  }
}
