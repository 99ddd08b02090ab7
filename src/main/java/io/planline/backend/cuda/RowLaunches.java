package io.planline.backend.cuda;

import io.planline.backend.cuda.CudaOps.Launch;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Row-wise operators on {@code pl_rows} (softmax, log-softmax, layer norm, sum / mean / amax /
 * amin) and inference batch norm on {@code pl_batch_norm}. A row is the set of elements one
 * output (or one normalization) depends on; one block of threads handles a row.
 */
final class RowLaunches {

  private static final int SOFTMAX = 0;
  private static final int LOG_SOFTMAX = 1;
  private static final int LAYER_NORM = 2;
  private static final int SUM = 3;
  private static final int MEAN = 4;
  private static final int MAX = 5;
  private static final int MIN = 6;
  private static final int CUMSUM = 7;

  private RowLaunches() {}

  static void register(CudaOps t) {
    t.add("aten._softmax.default", a -> softmax(a, SOFTMAX));
    t.add("aten.cumsum.default", RowLaunches::cumsum);
    t.add("aten._log_softmax.default", a -> softmax(a, LOG_SOFTMAX));
    t.add("aten.native_layer_norm.default", RowLaunches::layerNorm);
    t.add("aten.sum.dim_IntList", a -> reduce(a, SUM, true));
    t.add("aten.mean.dim", a -> reduce(a, MEAN, true));
    t.add("aten.amax.default", a -> reduce(a, MAX, true));
    t.add("aten.amin.default", a -> reduce(a, MIN, true));
    t.add("aten.sum.default", a -> reduce(a, SUM, false));
    t.add("aten.mean.default", a -> reduce(a, MEAN, false));
    t.add("aten._native_batch_norm_legit_no_training.default", RowLaunches::batchNorm);
  }

  /** Dims of a row walk: outer (which row) and inner (which element), per operand. */
  private record Walk(long[] outer, long[][] outerStrides, long[] inner, long[][] innerStrides) {}

  private static Launch softmax(Args a, int kind) {
    String self = a.tensor(0);
    long dim = a.constInt(1);
    if (a.bool(2)) {
      throw a.error(2, "half_to_float is only meaningful for float16 inputs");
    }
    return inv -> {
      CudaTensor x = inv.in(self);
      CudaTensor y = inv.out(0);
      requireSameShape(x, y);
      if (x.dim() == 0) {
        x = x.restride(new long[] {1}, new long[] {1}, 0);
        y = y.restride(new long[] {1}, new long[] {1}, 0);
      }
      int d = Layouts.wrapDim(dim, x.dim());
      boolean[] inner = new boolean[x.dim()];
      inner[d] = true;
      launchRows(inv, kind, split(x.shapeRef(), inner, x, y), x, y, null, null, null, null, 0);
    };
  }

  /** A running sum along {@code dim}, each row by one thread of {@code pl_rows}. */
  private static Launch cumsum(Args a) {
    String self = a.tensor(0);
    long dim = a.constInt(1);
    return inv -> {
      CudaTensor x = inv.in(self);
      CudaTensor y = inv.out(0);
      requireSameShape(x, y);
      if (x.dim() == 0) {
        x = x.restride(new long[] {1}, new long[] {1}, 0);
        y = y.restride(new long[] {1}, new long[] {1}, 0);
      }
      boolean[] inner = new boolean[x.dim()];
      inner[Layouts.wrapDim(dim, x.dim())] = true;
      launchRows(inv, CUMSUM, split(x.shapeRef(), inner, x, y), x, y, null, null, null, null, 0);
    };
  }

  private static Launch layerNorm(Args a) {
    String input = a.tensor(0);
    int k = a.ints(1, 0).length;
    @Nullable String weight = a.optTensor(2);
    @Nullable String bias = a.optTensor(3);
    double eps = a.number(4);
    return inv -> {
      CudaTensor x = inv.in(input);
      CudaTensor y = inv.out(0);
      CudaTensor mean = inv.out(1);
      CudaTensor rstd = inv.out(2);
      requireSameShape(x, y);
      int axis = io.planline.kernel.ShapeRules.layerNormAxis(x.shapeRef(), k, mean.shapeRef(),
          rstd.shapeRef());
      long[] innerShape = Arrays.copyOfRange(x.shapeRef(), axis, x.dim());
      CudaTensor w = affine(inv.opt(weight), innerShape);
      CudaTensor b = affine(inv.opt(bias), innerShape);
      boolean[] inner = new boolean[x.dim()];
      Arrays.fill(inner, axis, x.dim(), true);
      // statistics are per row: zero inner strides let the inner dims merge
      long[] ms = Arrays.copyOf(mean.strideRef(), x.dim());
      long[] rs = Arrays.copyOf(rstd.strideRef(), x.dim());
      Arrays.fill(ms, axis, x.dim(), 0);
      Arrays.fill(rs, axis, x.dim(), 0);
      CudaTensor meanRows = mean.restride(x.shapeRef(), ms, 0);
      CudaTensor rstdRows = rstd.restride(x.shapeRef(), rs, 0);
      launchRows(inv, LAYER_NORM, split(x.shapeRef(), inner, x, y, meanRows, rstdRows, w, b), x,
          y, mean, rstd, w, b, eps);
    };
  }

  /** An affine parameter viewed with the normalized shape (it may be stored flat). */
  private static @Nullable CudaTensor affine(@Nullable CudaTensor p, long[] shape) {
    if (p == null) {
      return null;
    }
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    if (p.numel() != n) {
      throw new IllegalArgumentException("affine parameter " + p + " needs " + n + " elements");
    }
    if (Arrays.equals(p.shapeRef(), shape)) {
      return p;
    }
    if (p.dim() != 1) {
      throw new IllegalArgumentException("affine parameter " + p + " does not match "
          + Arrays.toString(shape));
    }
    long[] st = new long[shape.length];
    long s = p.strideRef()[0];
    for (int d = shape.length - 1; d >= 0; d--) {
      st[d] = s;
      s *= shape[d];
    }
    return p.restride(shape, st, 0);
  }

  private static Launch reduce(Args a, int kind, boolean withDims) {
    String self = a.tensor(0);
    long[] dims = !withDims || a.isNone(1) ? new long[0] : a.ints(1, 0);
    boolean keepdim = withDims && a.bool(2);
    return inv -> {
      CudaTensor x = inv.in(self);
      CudaTensor y = inv.out(0);
      int rank = x.dim();
      boolean[] reduced = new boolean[rank];
      if (dims.length == 0) {
        Arrays.fill(reduced, true);
      }
      for (long dv : dims) {
        int k = Layouts.wrapDim(dv, rank);
        if (rank > 0 && reduced[k]) {
          throw new IllegalArgumentException("dim " + dv + " appears twice in "
              + Arrays.toString(dims));
        }
        if (rank > 0) {
          reduced[k] = true;
        }
      }
      long[] expected = keepdim ? x.shape() : new long[0];
      if (!keepdim) {
        long[] kept = new long[rank];
        int j = 0;
        for (int d = 0; d < rank; d++) {
          if (!reduced[d]) {
            kept[j++] = x.shapeRef()[d];
          }
        }
        expected = Arrays.copyOf(kept, j);
      } else {
        for (int d = 0; d < rank; d++) {
          if (reduced[d]) {
            expected[d] = 1;
          }
        }
      }
      if (!Arrays.equals(expected, y.shapeRef())) {
        throw new IllegalArgumentException("output shape " + Arrays.toString(y.shapeRef())
            + ", expected " + Arrays.toString(expected));
      }
      // y's strides over the kept dims, aligned with x's dims (reduced ones 0)
      long[] yStrides = new long[rank];
      int j = 0;
      for (int d = 0; d < rank; d++) {
        if (keepdim) {
          yStrides[d] = reduced[d] ? 0 : y.strideRef()[d];
        } else if (!reduced[d]) {
          yStrides[d] = y.strideRef()[j++];
        }
      }
      CudaTensor yAligned = y.restride(x.shapeRef(), yStrides, 0);
      long n = 1;
      for (int d = 0; d < rank; d++) {
        n *= reduced[d] ? x.shapeRef()[d] : 1;
      }
      if (n == 0 && (kind == MAX || kind == MIN)) {
        throw new IllegalArgumentException("cannot take the max or min of an empty dimension");
      }
      launchRows(inv, kind, split(x.shapeRef(), reduced, x, yAligned), x, yAligned, null, null,
          null, null, 0);
    };
  }

  /** Splits {@code shape} into outer and inner (flagged) dims, merged per part. */
  private static Walk split(long[] shape, boolean[] inner, @Nullable CudaTensor... ops) {
    int rank = shape.length;
    int ni = 0;
    for (boolean b : inner) {
      ni += b ? 1 : 0;
    }
    long[] os = new long[rank - ni];
    long[] is = new long[ni];
    long[][] ost = new long[ops.length][rank - ni];
    long[][] ist = new long[ops.length][ni];
    int o = 0;
    int i = 0;
    for (int d = 0; d < rank; d++) {
      boolean in = inner[d];
      if (in) {
        is[i] = shape[d];
      } else {
        os[o] = shape[d];
      }
      for (int k = 0; k < ops.length; k++) {
        CudaTensor t = ops[k];
        long s = t != null && t.dim() == rank ? t.strideRef()[d] : 0;
        if (in) {
          ist[k][i] = t != null && t.dim() == rank ? s : innerStride(t, d - (rank - ni));
        } else {
          ost[k][o] = t != null && t.dim() == rank ? s : 0;
        }
      }
      if (in) {
        i++;
      } else {
        o++;
      }
    }
    Layouts.Merged mo = Layouts.merge(os, ost);
    Layouts.Merged mi = Layouts.merge(is, ist);
    return new Walk(mo.shape(), mo.strides(), mi.shape(), mi.strides());
  }

  /** Strides of an affine parameter, which spans only the inner dims. */
  private static long innerStride(@Nullable CudaTensor t, int d) {
    return t == null || d < 0 || d >= t.dim() ? 0 : t.strideRef()[d];
  }

  private static void launchRows(CudaOps.Invocation inv, int kind, Walk w, CudaTensor x,
      CudaTensor y, @Nullable CudaTensor mean, @Nullable CudaTensor rstd,
      @Nullable CudaTensor wt, @Nullable CudaTensor b, double eps) {
    long rows = 1;
    for (long s : w.outer()) {
      rows *= s;
    }
    long n = 1;
    for (long s : w.inner()) {
      n *= s;
    }
    if (rows == 0 || (n == 0 && kind <= LAYER_NORM)) {
      return;
    }
    Params p = new Params().i64(rows).i64(n).i64(kind).i64(w.outer().length)
        .i64(w.inner().length).i64s(w.outer(), Params.MAXD).i64s(w.inner(), Params.MAXD);
    CudaTensor[] ops = {x, y, mean, rstd, wt, b};
    for (int k = 0; k < ops.length; k++) {
      CudaTensor t = ops[k];
      if (t == null) {
        p.i64(0).i64(0).i64s(new long[0], Params.MAXD).i64s(new long[0], Params.MAXD);
      } else {
        p.i64(t.address()).i64(Params.dtypeCode(t.dtype()))
            .i64s(k < w.outerStrides().length ? w.outerStrides()[k] : new long[0], Params.MAXD)
            .i64s(k < w.innerStrides().length ? w.innerStrides()[k] : new long[0], Params.MAXD);
      }
    }
    p.f64(eps);
    int threads = (int) Math.min(256, Math.max(32, (n + 31) / 32 * 32));
    inv.launch("pl_rows", Math.min(rows, 1L << 20), 1, 1, threads, p);
  }

  private static Launch batchNorm(Args a) {
    String input = a.tensor(0);
    @Nullable String weight = a.optTensor(1);
    @Nullable String bias = a.optTensor(2);
    String mean = a.tensor(3);
    String var = a.tensor(4);
    double eps = a.number(6);
    return inv -> {
      CudaTensor x = inv.in(input);
      CudaTensor y = inv.out(0);
      requireSameShape(x, y);
      if (x.dim() < 2 || x.dim() > Params.MAXD) {
        throw new IllegalArgumentException("batch norm needs [N, C, ...] of at most "
            + Params.MAXD + " dims, got " + x);
      }
      long ch = x.shapeRef()[1];
      CudaTensor[] vectors = {inv.opt(weight), inv.opt(bias), inv.in(mean), inv.in(var)};
      for (CudaTensor v : vectors) {
        if (v != null && (v.numel() != ch || v.dim() != 1)) {
          throw new IllegalArgumentException("per-channel parameter " + v + " needs " + ch
              + " elements");
        }
      }
      CudaTensor saveMean = inv.out(1);
      CudaTensor saveRstd = inv.out(2);
      boolean save = saveMean.numel() != 0 || saveRstd.numel() != 0;
      if (save && (saveMean.numel() != ch || saveRstd.numel() != ch)) {
        throw new IllegalArgumentException("statistics outputs must be empty or have " + ch
            + " elements");
      }
      Params p = new Params().i64(x.numel()).i64(x.dim()).i64(ch).i64(save ? 1 : 0)
          .i64s(x.shapeRef(), Params.MAXD)
          .operand(x.address(), x.dtype(), x.strideRef())
          .operand(y.address(), y.dtype(), y.strideRef());
      for (CudaTensor v : vectors) {
        if (v == null) {
          p.noOperand();
        } else {
          p.operand(v.address(), v.dtype(), v.strideRef());
        }
      }
      for (CudaTensor s : new CudaTensor[] {saveMean, saveRstd}) {
        if (save) {
          p.operand(s.address(), s.dtype(), new long[] {s.dim() == 0 ? 1 : s.strideRef()[0]});
        } else {
          p.noOperand();
        }
      }
      long[] dense = io.planline.kernel.Tensor.contiguousStrides(x.shapeRef());
      boolean isDense = Arrays.equals(dense, x.strideRef()) && Arrays.equals(dense, y.strideRef());
      long inner = 1;
      for (int d = 2; d < x.dim(); d++) {
        inner *= x.shapeRef()[d];
      }
      p.f64(eps).i64(isDense ? 1 : 0).i64(inner);
      inv.launchFlat("pl_batch_norm", Math.max(x.numel(), save ? ch : 0), p);
    };
  }

  private static void requireSameShape(CudaTensor in, CudaTensor out) {
    if (!Arrays.equals(in.shapeRef(), out.shapeRef())) {
      throw new IllegalArgumentException("output " + out + " must have the input's shape "
          + Arrays.toString(in.shapeRef()));
    }
  }
}
