package io.planline.kernel;

import io.planline.ir.DType;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Row-wise normalizations: softmax and log-softmax along one dimension, layer norm over the
 * trailing dimensions (with its mean and rstd outputs), and inference-mode batch norm. Statistics
 * are accumulated in double.
 */
final class NormOps {

  private NormOps() {}

  static void register(OpTable t) {
    t.add("aten._softmax.default", "Tensor self, int dim, bool half_to_float", 1,
        a -> softmax(a, false));
    t.add("aten._log_softmax.default", "Tensor self, int dim, bool half_to_float", 1,
        a -> softmax(a, true));
    t.add("aten.native_layer_norm.default",
        "Tensor input, SymInt[] normalized_shape, Tensor? weight, Tensor? bias, float eps", 3,
        NormOps::layerNorm);
    t.add("aten._native_batch_norm_legit_no_training.default",
        "Tensor input, Tensor? weight, Tensor? bias, Tensor running_mean, Tensor running_var, "
            + "float momentum, float eps", 3, NormOps::batchNorm);
  }

  // ---------------------------------------------------------------------------------------------
  // softmax

  private static OpTable.Invocation softmax(CallArgs a, boolean log) {
    String self = a.tensor(0);
    long dim = a.constInt(1);
    if (a.bool(2)) {
      throw a.error(2, "half_to_float is only meaningful for float16 inputs");
    }
    return c -> softmax(c.in(self), c.out(0), dim, log);
  }

  static void softmax(Tensor in, Tensor out, long dim, boolean log) {
    requireSameShape(in, out);
    if (in.dim() == 0) {
      in = in.unsqueeze(0);
      out = out.unsqueeze(0);
    }
    int d = Tensor.wrapDim(dim, in.dim());
    Tensor src = in.transpose(d, -1);
    Tensor dst = out.transpose(d, -1);
    int last = src.dim() - 1;
    int n = (int) src.size(last);
    if (src.numel() == 0) {
      return;
    }
    long[] outer = Arrays.copyOf(src.shapeRef(), last);
    Cursor cur = new Cursor(outer, new Tensor[] {src, dst},
        new long[][] {src.strideRef(), dst.strideRef()},
        new int[] {src.byteOffset(), dst.byteOffset()});
    double[] row = new double[n];
    long ss = src.stride(last);
    long ds = dst.stride(last);
    do {
      Rows.load(src, cur.offset(0), n, ss, row, 0);
      softmaxRow(row, n, log);
      Rows.store(dst, cur.offset(1), n, ds, row, 0);
    } while (cur.next());
  }

  /** Softmax in place, shifted by the row maximum so exp never overflows. */
  private static void softmaxRow(double[] row, int n, boolean log) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, row[i]);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      // every entry is -inf (a fully masked row): ATen yields NaN, as exp(-inf - -inf) does
      max = 0;
    }
    double sum = 0;
    if (log) {
      for (int i = 0; i < n; i++) {
        sum += Math.exp(row[i] - max);
      }
      double logSum = Math.log(sum) + max;
      for (int i = 0; i < n; i++) {
        row[i] -= logSum;
      }
    } else {
      // keep each exp for the division: exp is most of softmax's cost, so compute it once
      for (int i = 0; i < n; i++) {
        double e = Math.exp(row[i] - max);
        row[i] = e;
        sum += e;
      }
      for (int i = 0; i < n; i++) {
        row[i] /= sum;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // layer norm

  private static OpTable.Invocation layerNorm(CallArgs a) {
    String input = a.tensor(0);
    int k = a.intListLength(1);
    @Nullable String weight = a.optTensor(2);
    @Nullable String bias = a.optTensor(3);
    double eps = a.number(4);
    return c -> layerNorm(c.in(input), k, c.opt(weight), c.opt(bias), eps, c.out(0), c.out(1),
        c.out(2));
  }

  static void layerNorm(Tensor in, int k, @Nullable Tensor weight, @Nullable Tensor bias,
      double eps, Tensor out, Tensor mean, Tensor rstd) {
    requireSameShape(in, out);
    int axis = ShapeRules.layerNormAxis(in.shapeRef(), k, mean.shapeRef(), rstd.shapeRef());
    Block xb = new Block(in, axis);
    Block ob = new Block(out, axis);
    int n = xb.size();
    double[] w = affine(weight, n, 1.0);
    double[] b = affine(bias, n, 0.0);
    long[] outer = Arrays.copyOf(in.shapeRef(), axis);
    if (Tensor.numel(outer) == 0) {
      return;
    }
    Tensor mv = mean.asStrided(outer, Arrays.copyOf(mean.strideRef(), axis), 0);
    Tensor rv = rstd.asStrided(outer, Arrays.copyOf(rstd.strideRef(), axis), 0);
    Tensor[] ops = {in, out, mv, rv};
    Cursor cur = new Cursor(outer, ops,
        new long[][] {in.strideRef(), out.strideRef(), mv.strideRef(), rv.strideRef()},
        new int[] {in.byteOffset(), out.byteOffset(), mv.byteOffset(), rv.byteOffset()});
    double[] x = new double[n];
    double[] stat = new double[1];
    do {
      xb.load(cur.offset(0), x);
      double mu = 0;
      for (int i = 0; i < n; i++) {
        mu += x[i];
      }
      mu /= n;
      double var = 0;
      for (int i = 0; i < n; i++) {
        double dx = x[i] - mu;
        var += dx * dx;
      }
      double r = 1.0 / Math.sqrt(var / n + eps);
      for (int i = 0; i < n; i++) {
        x[i] = (x[i] - mu) * r * w[i] + b[i];
      }
      ob.store(x, cur.offset(1));
      stat[0] = mu;
      Rows.store(mv, cur.offset(2), 1, 1, stat, 0);
      stat[0] = r;
      Rows.store(rv, cur.offset(3), 1, 1, stat, 0);
    } while (cur.next());
  }

  /** The affine parameter as n doubles, or n copies of {@code absent} when it is None. */
  private static double[] affine(@Nullable Tensor p, int n, double absent) {
    double[] v = new double[n];
    if (p == null) {
      Arrays.fill(v, absent);
      return v;
    }
    if (p.numel() != n) {
      throw new IllegalArgumentException("affine parameter " + p + " needs " + n + " elements");
    }
    new Block(p, 0).load(p.byteOffset(), v);
    return v;
  }

  // ---------------------------------------------------------------------------------------------
  // batch norm (inference)

  private static OpTable.Invocation batchNorm(CallArgs a) {
    String input = a.tensor(0);
    @Nullable String weight = a.optTensor(1);
    @Nullable String bias = a.optTensor(2);
    String mean = a.tensor(3);
    String var = a.tensor(4);
    double eps = a.number(6);
    return c -> batchNorm(c.in(input), c.opt(weight), c.opt(bias), c.in(mean), c.in(var), eps,
        c.out(0), c.out(1), c.out(2));
  }

  /** {@code out = (x - mean[c]) / sqrt(var[c] + eps) * w[c] + b[c]} over channel dim 1. */
  static void batchNorm(Tensor in, @Nullable Tensor weight, @Nullable Tensor bias,
      Tensor runningMean, Tensor runningVar, double eps, Tensor out, Tensor saveMean,
      Tensor saveRstd) {
    requireSameShape(in, out);
    if (in.dim() < 2) {
      throw new IllegalArgumentException("batch norm needs [N, C, ...], got " + in);
    }
    int ch = (int) in.size(1);
    double[] w = affine(weight, ch, 1.0);
    double[] b = affine(bias, ch, 0.0);
    double[] mu = affine(runningMean, ch, 0.0);
    double[] var = affine(runningVar, ch, 0.0);
    long[] perChannel = new long[in.dim() - 1];
    Arrays.fill(perChannel, 1);
    perChannel[0] = ch;
    Tensor scale = Tensor.heap(DType.FLOAT64, perChannel);
    Tensor shift = Tensor.heap(DType.FLOAT64, perChannel);
    double[] invstd = new double[ch];
    for (int c = 0; c < ch; c++) {
      invstd[c] = 1.0 / Math.sqrt(var[c] + eps);
      double s = invstd[c] * w[c];
      scale.data().putDouble(c * 8, s);
      shift.data().putDouble(c * 8, b[c] - mu[c] * s);
    }
    Elementwise.map(out, new Tensor[] {in, scale, shift}, (x, o, n) -> {
      double[] v = x[0];
      double[] s = x[1];
      double[] h = x[2];
      for (int i = 0; i < n; i++) {
        o[i] = v[i] * s[i] + h[i];
      }
    });
    saveStat(saveMean, mu);
    saveStat(saveRstd, invstd);
  }

  /** Inference batch norm returns empty statistics; fill them only if they were sized [C]. */
  private static void saveStat(Tensor t, double[] v) {
    if (t.numel() == 0) {
      return;
    }
    if (t.numel() != v.length) {
      throw new IllegalArgumentException("statistics output " + t + " must be empty or have "
          + v.length + " elements");
    }
    new Block(t, 0).store(v, t.byteOffset());
  }

  private static void requireSameShape(Tensor in, Tensor out) {
    if (!Arrays.equals(in.shapeRef(), out.shapeRef())) {
      throw new IllegalArgumentException("output " + out + " must have the input's shape "
          + Arrays.toString(in.shapeRef()));
    }
  }
}
