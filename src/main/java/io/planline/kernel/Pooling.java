package io.planline.kernel;

import java.util.Arrays;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;

/**
 * 2-D max pooling (with the flat {@code h * W + w} indices ATen returns), average pooling and
 * adaptive average pooling over [N, C, H, W] or [C, H, W] inputs, one plane at a time; window
 * bounds, NaN handling and divisors follow ATen's CPU kernels.
 */
final class Pooling {

  /** What one output element computes from its window. */
  private enum Kind { MAX, AVG, ADAPTIVE }

  /** Below this many window reads per call the planes run on the calling thread. */
  private static final long PARALLEL_WORK = 1L << 16;

  private Pooling() {}

  static void register(OpTable t) {
    t.add("aten.max_pool2d_with_indices.default", "Tensor self, int[2] kernel_size,"
        + " int[2] stride, int[2] padding, int[2] dilation, bool ceil_mode", 2, a -> {
          Window w = window(a, a.constInts(4, 2), a.bool(5), true, 0);
          String self = a.tensor(0);
          return c -> run(c.parallel(), Kind.MAX, c.in(self), c.out(0), c.out(1), w);
        });
    t.add("aten.avg_pool2d.default", "Tensor self, int[2] kernel_size, int[2] stride,"
        + " int[2] padding, bool ceil_mode, bool count_include_pad, int? divisor_override", 1,
        a -> {
          Long div = a.optConstInt(6);
          if (div != null && div == 0) {
            throw a.error(6, "divisor must not be zero");
          }
          Window w = window(a, new long[] {1, 1}, a.bool(4), a.bool(5), div == null ? 0 : div);
          String self = a.tensor(0);
          return c -> run(c.parallel(), Kind.AVG, c.in(self), c.out(0), null, w);
        });
    t.add("aten._adaptive_avg_pool2d.default", "Tensor self, SymInt[2] output_size", 1, a -> {
      String self = a.tensor(0);
      Window w = new Window(new long[] {1, 1}, new long[] {1, 1}, new long[2], new long[] {1, 1},
          false, true, 0);
      return c -> run(c.parallel(), Kind.ADAPTIVE, c.in(self), c.out(0), null, w);
    });
  }

  /**
   * Kernel, stride, padding and dilation as (height, width), plus the avg-pool options.
   *
   * @param divisor avg-pool divisor override, 0 for none
   */
  private record Window(long[] k, long[] s, long[] p, long[] d, boolean ceil,
      boolean countIncludePad, long divisor) {

    long outSize(int dim, long in) {
      return ShapeRules.poolOutput(in, k[dim], s[dim], p[dim], d[dim], ceil);
    }
  }

  /** Reads kernel_size, stride (empty: the kernel size) and padding from arguments 1 to 3. */
  private static Window window(CallArgs a, long[] dil, boolean ceil, boolean countIncludePad,
      long divisor) {
    int ki = 1;
    int pi = 3;
    long[] k = a.constInts(ki, 2);
    long[] s = a.constInts(2).length == 0 ? k.clone() : a.constInts(2, 2);
    long[] p = a.constInts(pi, 2);
    for (int i = 0; i < 2; i++) {
      if (k[i] < 1 || s[i] < 1 || dil[i] < 1) {
        throw a.error(ki, "kernel, stride and dilation must be >= 1");
      }
      if (p[i] < 0 || p[i] > k[i] / 2) {
        throw a.error(pi, "padding must be between 0 and half the kernel size");
      }
    }
    return new Window(k, s, p, dil, ceil, countIncludePad, divisor);
  }

  private static void run(Parallel par, Kind kind, Tensor in, Tensor out,
      @Nullable Tensor indices, Window w) {
    if (in.dim() == 3) {
      in = in.unsqueeze(0);
      out = out.unsqueeze(0);
      indices = indices == null ? null : indices.unsqueeze(0);
    }
    if (in.dim() != 4 || out.dim() != 4) {
      throw new IllegalArgumentException("pooling needs a 3-D or 4-D input, got " + in);
    }
    int h = (int) in.size(2);
    int wd = (int) in.size(3);
    long[] expected = kind == Kind.ADAPTIVE ? out.shape()
        : new long[] {in.size(0), in.size(1), w.outSize(0, h), w.outSize(1, wd)};
    if (!Arrays.equals(expected, out.shapeRef()) || out.size(0) != in.size(0)
        || out.size(1) != in.size(1)
        || (indices != null && !Arrays.equals(expected, indices.shapeRef()))) {
      throw new IllegalArgumentException("output shape " + Arrays.toString(out.shapeRef())
          + ", expected " + Arrays.toString(expected));
    }
    int planes = (int) (in.size(0) * in.size(1));
    int oh = (int) out.size(2);
    int ow = (int) out.size(3);
    Tensor src = in;
    Tensor dst = out;
    @Nullable Tensor idx = indices;
    Block inPlane = new Block(src, 2);
    Block outPlane = new Block(dst, 2);
    @Nullable Block idxPlane = idx == null ? null : new Block(idx, 2);
    long work = (long) planes * oh * ow * (kind == Kind.ADAPTIVE ? h * wd / Math.max(1, oh * ow)
        : w.k()[0] * w.k()[1]);
    IntConsumer plane = pl -> {
      int n = pl / (int) src.size(1);
      int c = pl % (int) src.size(1);
      double[] x = new double[h * wd];
      double[] y = new double[oh * ow];
      double[] ix = new double[oh * ow];
      inPlane.load(offset(src, n, c), x);
      switch (kind) {
        case MAX -> maxPlane(x, h, wd, y, ix, oh, ow, w);
        case AVG -> avgPlane(x, h, wd, y, oh, ow, w);
        case ADAPTIVE -> adaptivePlane(x, h, wd, y, oh, ow);
      }
      outPlane.store(y, offset(dst, n, c));
      if (idxPlane != null) {
        idxPlane.store(ix, offset(idx, n, c));
      }
    };
    if (work >= PARALLEL_WORK) {
      par.forEach(planes, plane);
    } else {
      for (int pl = 0; pl < planes; pl++) {
        plane.accept(pl);
      }
    }
  }

  private static int offset(Tensor t, int n, int c) {
    return t.byteOffset() + (int) ((n * t.stride(0) + c * t.stride(1)) * t.dtype().itemSize());
  }

  private static void maxPlane(double[] x, int h, int wd, double[] y, double[] ix, int oh, int ow,
      Window w) {
    for (int i = 0; i < oh; i++) {
      for (int j = 0; j < ow; j++) {
        long h0 = i * w.s()[0] - w.p()[0];
        long w0 = j * w.s()[1] - w.p()[1];
        long h1 = Math.min(h0 + (w.k()[0] - 1) * w.d()[0] + 1, h);
        long w1 = Math.min(w0 + (w.k()[1] - 1) * w.d()[1] + 1, wd);
        while (h0 < 0) {
          h0 += w.d()[0];
        }
        while (w0 < 0) {
          w0 += w.d()[1];
        }
        long best = h0 * wd + w0;
        double max = Double.NEGATIVE_INFINITY;
        for (long a = h0; a < h1; a += w.d()[0]) {
          for (long b = w0; b < w1; b += w.d()[1]) {
            double v = x[(int) (a * wd + b)];
            if (v > max || Double.isNaN(v)) {
              max = v;
              best = a * wd + b;
            }
          }
        }
        y[i * ow + j] = max;
        ix[i * ow + j] = best;
      }
    }
  }

  private static void avgPlane(double[] x, int h, int wd, double[] y, int oh, int ow, Window w) {
    for (int i = 0; i < oh; i++) {
      for (int j = 0; j < ow; j++) {
        long h0 = i * w.s()[0] - w.p()[0];
        long w0 = j * w.s()[1] - w.p()[1];
        long h1 = Math.min(h0 + w.k()[0], h + w.p()[0]);
        long w1 = Math.min(w0 + w.k()[1], wd + w.p()[1]);
        long poolSize = (h1 - h0) * (w1 - w0);
        h0 = Math.max(h0, 0);
        w0 = Math.max(w0, 0);
        h1 = Math.min(h1, h);
        w1 = Math.min(w1, wd);
        if (h0 >= h1 || w0 >= w1) {
          y[i * ow + j] = 0;
          continue;
        }
        double sum = 0;
        for (long a = h0; a < h1; a++) {
          for (long b = w0; b < w1; b++) {
            sum += x[(int) (a * wd + b)];
          }
        }
        long div = w.divisor() != 0 ? w.divisor()
            : w.countIncludePad() ? poolSize : (h1 - h0) * (w1 - w0);
        y[i * ow + j] = sum / div;
      }
    }
  }

  private static void adaptivePlane(double[] x, int h, int wd, double[] y, int oh, int ow) {
    for (int i = 0; i < oh; i++) {
      int h0 = (int) Math.floorDiv((long) i * h, oh);
      int h1 = (int) -Math.floorDiv(-(long) (i + 1) * h, oh);
      for (int j = 0; j < ow; j++) {
        int w0 = (int) Math.floorDiv((long) j * wd, ow);
        int w1 = (int) -Math.floorDiv(-(long) (j + 1) * wd, ow);
        double sum = 0;
        for (int a = h0; a < h1; a++) {
          for (int b = w0; b < w1; b++) {
            sum += x[a * wd + b];
          }
        }
        y[i * ow + j] = sum / ((h1 - h0) * (w1 - w0));
      }
    }
  }
}
