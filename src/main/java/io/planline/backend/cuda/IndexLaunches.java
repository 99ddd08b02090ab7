package io.planline.backend.cuda;

import io.planline.backend.cuda.CudaOps.Launch;
import java.util.Arrays;

/**
 * Gathers and windows: embedding and index_select (bad indices raise the stream's error word,
 * see {@link ErrorWord}), and the 2-D max / average / adaptive-average pools over [N, C, H, W] or
 * [C, H, W], with ATen's window and divisor rules.
 */
final class IndexLaunches {

  private static final int MAX = 0;
  private static final int AVG = 1;
  private static final int ADAPTIVE = 2;

  private IndexLaunches() {}

  /** Kernel, stride, padding, dilation (height, width) and the avg-pool options. */
  private record Window(long[] k, long[] s, long[] p, long[] d, boolean ceil,
      boolean countIncludePad, long divisor) {

    long outSize(int dim, long in) {
      return io.planline.kernel.ShapeRules.poolOutput(in, k[dim], s[dim], p[dim], d[dim], ceil);
    }
  }

  static void register(CudaOps t) {
    t.add("aten.embedding.default", a -> {
      String weight = a.tensor(0);
      String indices = a.tensor(1);
      return inv -> embedding(inv, inv.in(weight), inv.in(indices), inv.out(0));
    });
    t.add("aten.index_select.default", a -> {
      String self = a.tensor(0);
      long dim = a.constInt(1);
      String index = a.tensor(2);
      return inv -> indexSelect(inv, inv.in(self), dim, inv.in(index), inv.out(0));
    });
    t.add("aten.max_pool2d_with_indices.default", a -> {
      Window w = window(a, a.ints(4, 2), a.bool(5), true, 0);
      String self = a.tensor(0);
      return inv -> pool(inv, MAX, inv.in(self), inv.out(0), inv.out(1), w);
    });
    t.add("aten.avg_pool2d.default", a -> {
      long div = a.isNone(6) ? 0 : a.constInt(6);
      if (!a.isNone(6) && div == 0) {
        throw a.error(6, "divisor must not be zero");
      }
      Window w = window(a, new long[] {1, 1}, a.bool(4), a.bool(5), div);
      String self = a.tensor(0);
      return inv -> pool(inv, AVG, inv.in(self), inv.out(0), null, w);
    });
    t.add("aten._adaptive_avg_pool2d.default", a -> {
      String self = a.tensor(0);
      Window w = new Window(new long[] {1, 1}, new long[] {1, 1}, new long[2],
          new long[] {1, 1}, false, true, 0);
      return inv -> pool(inv, ADAPTIVE, inv.in(self), inv.out(0), null, w);
    });
  }

  private static Window window(Args a, long[] dil, boolean ceil, boolean countIncludePad,
      long divisor) {
    long[] k = a.ints(1, 2);
    long[] s = a.ints(2, 0).length == 0 ? k.clone() : a.ints(2, 2);
    long[] p = a.ints(3, 2);
    for (int i = 0; i < 2; i++) {
      if (k[i] < 1 || s[i] < 1 || dil[i] < 1) {
        throw a.error(1, "kernel, stride and dilation must be >= 1");
      }
      if (p[i] < 0 || p[i] > k[i] / 2) {
        throw a.error(3, "padding must be between 0 and half the kernel size");
      }
    }
    return new Window(k, s, p, dil, ceil, countIncludePad, divisor);
  }

  private static void embedding(CudaOps.Invocation inv, CudaTensor weight, CudaTensor indices,
      CudaTensor out) {
    if (weight.dim() != 2) {
      throw new IllegalArgumentException("embedding weight must be 2-D, got " + weight);
    }
    long width = weight.shapeRef()[1];
    long[] expected = Arrays.copyOf(indices.shapeRef(), indices.dim() + 1);
    expected[indices.dim()] = width;
    if (!Arrays.equals(expected, out.shapeRef())) {
      throw new IllegalArgumentException("output shape " + Arrays.toString(out.shapeRef())
          + ", expected " + Arrays.toString(expected));
    }
    if (indices.dim() + 1 > Params.MAXD) {
      throw new IllegalArgumentException("embedding indices of more than " + (Params.MAXD - 1)
          + " dims");
    }
    long n = indices.numel() * width;
    Params p = new Params().i64(n).i64(width).i64(indices.dim()).i64(inv.errorWord())
        .i64s(indices.shapeRef(), Params.MAXD)
        .operand(indices.address(), indices.dtype(), indices.strideRef())
        .operand(out.address(), out.dtype(), out.strideRef())
        .operand(weight.address(), weight.dtype(), weight.strideRef())
        .i64(weight.shapeRef()[0]);
    inv.launchFlat("pl_embedding", n, p);
  }

  private static void indexSelect(CudaOps.Invocation inv, CudaTensor self, long dim,
      CudaTensor index, CudaTensor out) {
    if (self.dim() == 0 || self.dim() > Params.MAXD) {
      throw new IllegalArgumentException("index_select needs 1 to " + Params.MAXD + " dims, got "
          + self);
    }
    int d = Layouts.wrapDim(dim, self.dim());
    if (index.dim() > 1) {
      throw new IllegalArgumentException("index_select index must be 1-D, got " + index);
    }
    long[] expected = self.shape();
    expected[d] = index.numel();
    if (!Arrays.equals(expected, out.shapeRef())) {
      throw new IllegalArgumentException("index_select of " + self + " by " + index + " into "
          + out);
    }
    long istride = index.dim() == 0 ? 0 : index.strideRef()[0];
    Params p = new Params().i64(out.numel()).i64(out.dim()).i64(d).i64(inv.errorWord())
        .i64s(out.shapeRef(), Params.MAXD)
        .operand(self.address(), self.dtype(), self.strideRef())
        .operand(out.address(), out.dtype(), out.strideRef())
        .operand(index.address(), index.dtype(), new long[] {istride})
        .i64(self.shapeRef()[d]);
    inv.launchFlat("pl_index_select", out.numel(), p);
  }

  private static void pool(CudaOps.Invocation inv, int kind, CudaTensor in, CudaTensor out,
      CudaTensor indices, Window w) {
    if (in.dim() == 3) {
      in = unsqueeze0(in);
      out = unsqueeze0(out);
      indices = indices == null ? null : unsqueeze0(indices);
    }
    if (in.dim() != 4 || out.dim() != 4) {
      throw new IllegalArgumentException("pooling needs a 3-D or 4-D input, got " + in);
    }
    long h = in.shapeRef()[2];
    long wd = in.shapeRef()[3];
    long[] expected = kind == ADAPTIVE ? out.shape()
        : new long[] {in.shapeRef()[0], in.shapeRef()[1], w.outSize(0, h), w.outSize(1, wd)};
    if (!Arrays.equals(expected, out.shapeRef()) || out.shapeRef()[0] != in.shapeRef()[0]
        || out.shapeRef()[1] != in.shapeRef()[1]
        || (indices != null && !Arrays.equals(expected, indices.shapeRef()))) {
      throw new IllegalArgumentException("output shape " + Arrays.toString(out.shapeRef())
          + ", expected " + Arrays.toString(expected));
    }
    Params p = new Params().i64(out.numel()).i64(kind)
        .i64s(in.shapeRef(), 4).i64(out.shapeRef()[2]).i64(out.shapeRef()[3])
        .i64(w.k()[0]).i64(w.k()[1]).i64(w.s()[0]).i64(w.s()[1]).i64(w.p()[0]).i64(w.p()[1])
        .i64(w.d()[0]).i64(w.d()[1]).i64(w.countIncludePad() ? 1 : 0).i64(w.divisor())
        .operand(in.address(), in.dtype(), in.strideRef())
        .operand(out.address(), out.dtype(), out.strideRef());
    if (indices != null) {
      p.operand(indices.address(), indices.dtype(), indices.strideRef());
    } else {
      p.noOperand();
    }
    inv.launchFlat("pl_pool2d", out.numel(), p);
  }

  private static CudaTensor unsqueeze0(CudaTensor t) {
    long[] sh = new long[t.dim() + 1];
    long[] st = new long[t.dim() + 1];
    sh[0] = 1;
    st[0] = t.dim() == 0 ? 1 : t.strideRef()[0] * t.shapeRef()[0];
    System.arraycopy(t.shapeRef(), 0, sh, 1, t.dim());
    System.arraycopy(t.strideRef(), 0, st, 1, t.dim());
    return t.restride(sh, st, 0);
  }
}
