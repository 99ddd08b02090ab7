package io.planline.backend.cuda;

import io.planline.backend.cuda.CudaOps.Launch;
import io.planline.ir.DType;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Matrix products (mm, addmm, bmm, baddbmm) and 2-D / 1-D convolution on the tiled GEMM kernels
 * of gemm.cu: float32 operands with any strides, float32 accumulation (no TF32, so results stay
 * within float32 rounding of the CPU's). Convolution is an implicit GEMM per group: the im2col
 * matrix is read straight from the input, so it needs no scratch memory beyond the plan.
 */
final class MatmulLaunches {

  private MatmulLaunches() {}

  /** {@code mm}/{@code bmm}: {@code out = x @ y}. */
  private static Launch product(Args a, boolean batched) {
    String x = a.tensor(0);
    String y = a.tensor(1);
    return inv -> matmul(inv, inv.in(x), inv.in(y), inv.out(0), null, 0, 1, batched);
  }

  /** {@code addmm}/{@code baddbmm}: {@code out = beta * self + alpha * (x @ y)}. */
  private static Launch scaledProduct(Args a, boolean batched) {
    String self = a.tensor(0);
    String x = a.tensor(1);
    String y = a.tensor(2);
    float beta = (float) a.number(3);
    float alpha = (float) a.number(4);
    return inv -> matmul(inv, inv.in(x), inv.in(y), inv.out(0), inv.in(self), beta, alpha,
        batched);
  }

  static void register(CudaOps t) {
    t.add("aten.mm.default", a -> product(a, false));
    t.add("aten.addmm.default", a -> scaledProduct(a, false));
    t.add("aten.bmm.default", a -> product(a, true));
    t.add("aten.baddbmm.default", a -> scaledProduct(a, true));
    t.add("aten.convolution.default", MatmulLaunches::convolution);
  }

  /** {@code out = beta * self + alpha * (x @ y)}, 2-D or batched 3-D. */
  private static void matmul(CudaOps.Invocation inv, CudaTensor x, CudaTensor y, CudaTensor out,
      @Nullable CudaTensor self, float beta, float alpha, boolean batched) {
    int rank = batched ? 3 : 2;
    for (CudaTensor t : new CudaTensor[] {x, y, out}) {
      if (t.dim() != rank) {
        throw new IllegalArgumentException("expected " + rank + "-D tensors, got "
            + Arrays.toString(t.shapeRef()));
      }
      requireFloat(t);
    }
    long[] xs = batched ? x.strideRef() : new long[] {0, x.strideRef()[0], x.strideRef()[1]};
    long[] ys = batched ? y.strideRef() : new long[] {0, y.strideRef()[0], y.strideRef()[1]};
    long[] os = batched ? out.strideRef() : new long[] {0, out.strideRef()[0],
        out.strideRef()[1]};
    long[] xsh = batched ? x.shapeRef() : new long[] {1, x.shapeRef()[0], x.shapeRef()[1]};
    long[] ysh = batched ? y.shapeRef() : new long[] {1, y.shapeRef()[0], y.shapeRef()[1]};
    long[] osh = batched ? out.shapeRef() : new long[] {1, out.shapeRef()[0],
        out.shapeRef()[1]};
    if (xsh[0] != ysh[0] || xsh[0] != osh[0] || xsh[2] != ysh[1] || osh[1] != xsh[1]
        || osh[2] != ysh[2]) {
      throw new IllegalArgumentException("matrix shapes do not agree: " + Arrays.toString(xsh)
          + " @ " + Arrays.toString(ysh) + " -> " + Arrays.toString(osh));
    }
    long[] is = new long[3];
    boolean useInit = self != null && beta != 0;
    if (useInit) {
      requireFloat(self);
      long[] e = Layouts.expand(self.shapeRef(), self.strideRef(), out.shapeRef());
      is = batched ? e : new long[] {0, e[0], e[1]};
    }
    long batches = osh[0];
    long m = osh[1];
    long n = osh[2];
    long k = xsh[2];
    if (batches == 0 || m == 0 || n == 0) {
      return;
    }
    Cublas cublas = inv.cublas();
    if (cublas != null && CublasProducts.run(cublas, inv, x, xs, y, ys, out, os,
        new long[] {batches, m, n, k}, useInit ? self : null, beta, alpha)) {
      return;
    }
    Params p = new Params().i64(batches).i64(m).i64(n).i64(k)
        .i64(x.address()).i64(xs[0]).i64(xs[1]).i64(xs[2])
        .i64(y.address()).i64(ys[0]).i64(ys[1]).i64(ys[2])
        .i64(out.address()).i64(os[0]).i64(os[1]).i64(os[2])
        .i64(useInit ? self.address() : 0).i64(is[0]).i64(is[1]).i64(is[2])
        .f64(alpha).f64(useInit ? beta : 0).i64(0);
    for (int i = 0; i < 14 + 12; i++) {
      p.i64(0); // convolution fields, unused
    }
    launchGemm(inv, p, batches, m, n, k, false);
  }

  /** Blocks that keep an H100/H200 busy (132 multiprocessors, two blocks each). */
  private static final long FILL = 240;

  /** The tensor-core kernel's tile. */
  private static final int[] TC = {64, 64};

  /** Tile shapes (rows x columns of C per block) of the kernels in gemm.cu, largest first. */
  private static final int[][] TILES = {{128, 128}, {64, 64}, {128, 32}, {32, 128}, {32, 32}};

  /**
   * Picks the largest tile that gives every multiprocessor blocks and pads the problem at most
   * 15% beyond the least padding any such tile needs (a 16-row convolution in 128-row tiles
   * would compute 8 times too much); larger tiles reuse each loaded element more.
   */
  private static void launchGemm(CudaOps.Invocation inv, Params p, long batches, long m, long n,
      long k, boolean convolution) {
    if (!convolution && batches > 1 && k >= 32 && m >= 64 && n >= 64
        && blocks(TC, m, n, batches) >= FILL && padded(TC, m, n) <= 1.15 * m * n) {
      // many small products (attention): the tensor cores (3xTF32, float32 accuracy) measured
      // faster there; for large 2-D products the SIMT tiles were as fast or faster (docs/gpu.md)
      inv.launch("pl_gemm_tc", (n + 63) / 64, (m + 63) / 64, batches, 128, p);
      return;
    }
    double least = Double.MAX_VALUE;
    for (int[] t : TILES) {
      if (blocks(t, m, n, batches) >= FILL) {
        least = Math.min(least, padded(t, m, n));
      }
    }
    int[] best = TILES[TILES.length - 1]; // a small problem: the most blocks
    for (int[] t : TILES) {
      if (blocks(t, m, n, batches) >= FILL && padded(t, m, n) <= 1.15 * least) {
        best = t;
        break;
      }
    }
    String name = best[0] == best[1] ? "pl_gemm" + best[0] : "pl_gemm" + best[0] + "x" + best[1];
    inv.launch(name, (n + best[1] - 1) / best[1], (m + best[0] - 1) / best[0], batches, 256, p);
  }

  private static long blocks(int[] t, long m, long n, long batches) {
    return ((m + t[0] - 1) / t[0]) * ((n + t[1] - 1) / t[1]) * batches;
  }

  private static double padded(int[] t, long m, long n) {
    return (double) ((m + t[0] - 1) / t[0] * t[0]) * ((n + t[1] - 1) / t[1] * t[1]);
  }

  private static Launch convolution(Args a) {
    String input = a.tensor(0);
    String weight = a.tensor(1);
    @Nullable String bias = a.optTensor(2);
    int spatial = Math.max(a.ints(3, 0).length, Math.max(a.ints(4, 0).length,
        a.ints(5, 0).length));
    if (spatial < 1 || spatial > 2) {
      throw a.error(3, "only 1-D and 2-D convolutions are supported");
    }
    long[] stride = pair(a.ints(3, spatial), 1);
    long[] padding = pair(a.ints(4, spatial), 0);
    long[] dilation = pair(a.ints(5, spatial), 1);
    if (a.bool(6)) {
      throw a.error(6, "transposed convolution is not supported");
    }
    long groups = a.constInt(8);
    if (groups < 1) {
      throw a.error(8, "groups must be >= 1");
    }
    for (int i = 0; i < 2; i++) {
      if (stride[i] < 1 || dilation[i] < 1 || padding[i] < 0) {
        throw a.error(3, "stride and dilation must be >= 1 and padding >= 0");
      }
    }
    return inv -> {
      CudaTensor x = inv.in(input);
      CudaTensor w = inv.in(weight);
      CudaTensor out = inv.out(0);
      if (x.dim() != spatial + 2) {
        throw new IllegalArgumentException(spatial + "-D convolution of a " + x.dim()
            + "-D input");
      }
      if (spatial == 1) {
        x = unsqueeze2(x);
        w = unsqueeze2(w);
        out = unsqueeze2(out);
      }
      conv2d(inv, x, w, inv.opt(bias), stride, padding, dilation, groups, out);
    };
  }

  private static long[] pair(long[] v, long height) {
    return v.length == 2 ? v : new long[] {height, v[0]};
  }

  /** [N, C, W] as [N, C, 1, W]. */
  private static CudaTensor unsqueeze2(CudaTensor t) {
    long[] sh = t.shapeRef();
    long[] st = t.strideRef();
    return t.restride(new long[] {sh[0], sh[1], 1, sh[2]}, new long[] {st[0], st[1], st[2] * sh[2],
        st[2]}, 0);
  }

  private static void conv2d(CudaOps.Invocation inv, CudaTensor x, CudaTensor w,
      @Nullable CudaTensor bias, long[] stride, long[] pad, long[] dil, long groups,
      CudaTensor out) {
    if (x.dim() != 4 || w.dim() != 4 || out.dim() != 4) {
      throw new IllegalArgumentException("convolution needs 4-D input, weight and output, got "
          + x + ", " + w + ", " + out);
    }
    for (CudaTensor t : new CudaTensor[] {x, w, out}) {
      requireFloat(t);
    }
    long batch = x.shapeRef()[0];
    long channels = x.shapeRef()[1];
    long h = x.shapeRef()[2];
    long wd = x.shapeRef()[3];
    long oc = w.shapeRef()[0];
    long kh = w.shapeRef()[2];
    long kw = w.shapeRef()[3];
    if (channels % groups != 0 || oc % groups != 0 || w.shapeRef()[1] != channels / groups) {
      throw new IllegalArgumentException("weight " + w + " does not fit input " + x + " with "
          + groups + " groups");
    }
    long oh = (h + 2 * pad[0] - dil[0] * (kh - 1) - 1) / stride[0] + 1;
    long ow = (wd + 2 * pad[1] - dil[1] * (kw - 1) - 1) / stride[1] + 1;
    if (oh < 1 || ow < 1) {
      throw new IllegalArgumentException("kernel " + kh + "x" + kw + " larger than padded input "
          + x);
    }
    long[] expected = {batch, oc, oh, ow};
    if (!Arrays.equals(expected, out.shapeRef())) {
      throw new IllegalArgumentException("output shape " + Arrays.toString(out.shapeRef())
          + ", expected " + Arrays.toString(expected));
    }
    if (bias != null && (bias.dim() != 1 || bias.shapeRef()[0] != oc)) {
      throw new IllegalArgumentException("bias " + bias + " must be [" + oc + "]");
    }
    if (bias != null) {
      requireFloat(bias);
    }
    long cg = channels / groups;
    long ocg = oc / groups;
    long m = ocg;
    long n = batch * oh * ow;
    long k = cg * kh * kw;
    if (n == 0 || m == 0) {
      return;
    }
    // A cuDNN call costs host time (23-30 µs through its graph API on the H200 machine, 55
    // through the legacy call), more than planline's kernel takes on the device for a small
    // convolution; it pays off where the device time hides it (large convolutions) or is paid
    // once (graph capture). A small one is still prepared for cuDNN, for the capture that may
    // follow. docs/gpu.md, "cuDNN" and "cuDNN's graph API".
    Cudnn dnn = inv.cudnn();
    CudaStream stream = inv.stream();
    if (dnn != null && stream != null) {
      boolean worth = stream.capturing() || m * n * k * groups >= Cudnn.MIN_MACS;
      if (dnn.forward(stream, x, w, stride, pad, dil, groups, out, worth) && worth) {
        if (bias != null) { // out += bias, broadcast over all but the channel dimension
          CudaTensor perChannel = bias.restride(new long[] {1, oc, 1, 1},
              new long[] {0, bias.strideRef()[0], 0, 0}, 0);
          ElementwiseLaunches.launch(inv, ElementwiseLaunches.ADD_SCALED, out,
              new CudaTensor[] {out, perChannel}, new double[2], 1, 0);
        }
        return;
      }
    }
    if (n >= Integer.MAX_VALUE || k >= Integer.MAX_VALUE) {
      throw new IllegalArgumentException("convolution of " + n + " output pixels x " + k
          + " taps exceeds the kernel's 32-bit index arithmetic");
    }
    // dense weights read as a plain [OC, Cg*KH*KW] matrix; others through their four strides
    boolean dense = Arrays.equals(w.strideRef(), new long[] {cg * kh * kw, kh * kw, kw, 1});
    Params p = new Params().i64(groups).i64(m).i64(n).i64(k)
        .i64(w.address()).i64(dense ? ocg * cg * kh * kw : 0).i64(dense ? cg * kh * kw : 0)
        .i64(dense ? 1 : 0)
        .i64(x.address()).i64(0).i64(0).i64(0)
        .i64(out.address()).i64(0).i64(0).i64(0)
        .i64(bias == null ? 0 : bias.address()).i64(0).i64(bias == null ? 0 : bias.strideRef()[0])
        .i64(0)
        .f64(1).f64(bias == null ? 0 : 1).i64(1)
        .i64(cg).i64(ocg).i64(h).i64(wd).i64(kh).i64(kw).i64(oh).i64(ow)
        .i64(stride[0]).i64(stride[1]).i64(pad[0]).i64(pad[1]).i64(dil[0]).i64(dil[1])
        .i64s(x.strideRef(), 4).i64s(w.strideRef(), 4).i64s(out.strideRef(), 4);
    launchGemm(inv, p, groups, m, n, k, true);
  }

  private static void requireFloat(CudaTensor t) {
    if (t.dtype() != DType.FLOAT32) {
      throw new IllegalArgumentException("matrix kernels take float32, got " + t);
    }
  }
}
