package io.planline.kernel;

import java.util.Arrays;

/**
 * Reductions over a set of dimensions ({@code sum}, {@code mean}, {@code amax}, {@code amin}),
 * with or without keepdim. The input is permuted so the reduced dimensions come last; each output
 * element then folds one {@link Block} of the input, accumulated in double.
 */
final class ReductionOps {

  /** How a block of values folds into one. */
  enum Fold {
    SUM, MEAN, MAX, MIN;

    double apply(double[] v, int n) {
      switch (this) {
        case SUM, MEAN -> {
          double s = 0;
          for (int i = 0; i < n; i++) {
            s += v[i];
          }
          return this == SUM ? s : s / n;
        }
        case MAX -> {
          double m = Double.NEGATIVE_INFINITY;
          for (int i = 0; i < n; i++) {
            // NaN wins, as in ATen's amax
            m = v[i] > m || Double.isNaN(v[i]) ? v[i] : m;
          }
          return m;
        }
        case MIN -> {
          double m = Double.POSITIVE_INFINITY;
          for (int i = 0; i < n; i++) {
            m = v[i] < m || Double.isNaN(v[i]) ? v[i] : m;
          }
          return m;
        }
        default -> throw new IllegalStateException(name());
      }
    }
  }

  private ReductionOps() {}

  static void register(OpTable t) {
    String withDims = "Tensor self, int[1]? dim, bool keepdim, ScalarType? dtype";
    t.add("aten.sum.dim_IntList", withDims, 1, a -> bind(a, Fold.SUM));
    t.add("aten.mean.dim", withDims, 1, a -> bind(a, Fold.MEAN));
    t.add("aten.amax.default", "Tensor self, int[1] dim, bool keepdim", 1, a -> bind(a, Fold.MAX));
    t.add("aten.amin.default", "Tensor self, int[1] dim, bool keepdim", 1, a -> bind(a, Fold.MIN));
    t.add("aten.sum.default", "Tensor self, ScalarType? dtype", 1, a -> all(a, Fold.SUM));
    t.add("aten.mean.default", "Tensor self, ScalarType? dtype", 1, a -> all(a, Fold.MEAN));
    // transformers computes position ids from the attention mask with cumsum; Inductor leaves
    // it to ATen on the CPU
    t.add("aten.cumsum.default", "Tensor self, int dim, ScalarType? dtype", 1, a -> {
      String self = a.tensor(0);
      long dim = a.constInt(1);
      return c -> cumsum(c.in(self), c.out(0), dim);
    });
  }

  /**
   * Running sums of {@code in} along {@code dim} into {@code out} (same shape; its dtype decides
   * the arithmetic: 64-bit integer sums for integer outputs, double otherwise).
   */
  static void cumsum(Tensor in, Tensor out, long dim) {
    if (!Arrays.equals(in.shapeRef(), out.shapeRef())) {
      throw new IllegalArgumentException("output shape " + Arrays.toString(out.shapeRef())
          + ", expected " + Arrays.toString(in.shapeRef()));
    }
    if (in.numel() == 0) {
      return;
    }
    int d = Tensor.wrapDim(dim, Math.max(in.dim(), 1));
    boolean integral = out.dtype() != io.planline.ir.DType.FLOAT32
        && out.dtype() != io.planline.ir.DType.FLOAT64;
    long[] idx = new long[in.dim()];
    long length = in.dim() == 0 ? 1 : in.size(d);
    long lines = in.numel() / length;
    for (long line = 0; line < lines; line++) {
      // idx walks every index with idx[d] = 0, row-major over the other dims
      long rest = line;
      for (int k = in.dim() - 1; k >= 0; k--) {
        if (k != d) {
          idx[k] = rest % in.size(k);
          rest /= in.size(k);
        }
      }
      long exact = 0;
      double sum = 0;
      for (long i = 0; i < length; i++) {
        if (in.dim() > 0) {
          idx[d] = i;
        }
        if (integral) {
          exact += in.getLong(idx);
          out.set(exact, idx);
        } else {
          sum += in.get(idx);
          out.set(sum, idx);
        }
      }
    }
  }

  private static OpTable.Invocation bind(CallArgs a, Fold fold) {
    String self = a.tensor(0);
    long[] dims = a.isNone(1) ? new long[0] : a.constInts(1);
    boolean keepdim = a.bool(2);
    return c -> reduce(c.in(self), c.out(0), dims, keepdim, fold);
  }

  private static OpTable.Invocation all(CallArgs a, Fold fold) {
    String self = a.tensor(0);
    return c -> reduce(c.in(self), c.out(0), new long[0], false, fold);
  }

  /**
   * Folds {@code in} over {@code dims} (all dimensions when empty) into {@code out}.
   *
   * @throws IllegalArgumentException for repeated dims or an output of the wrong shape
   */
  static void reduce(Tensor in, Tensor out, long[] dims, boolean keepdim, Fold fold) {
    int rank = in.dim();
    boolean[] reduced = new boolean[rank];
    if (dims.length == 0) {
      Arrays.fill(reduced, true);
    }
    for (long d : dims) {
      int k = Tensor.wrapDim(d, rank);
      if (rank > 0 && reduced[k]) {
        throw new IllegalArgumentException("dim " + d + " appears twice in "
            + Arrays.toString(dims));
      }
      if (rank > 0) {
        reduced[k] = true;
      }
    }
    // kept dims first, reduced dims last: each output element then owns a trailing block
    int[] order = new int[rank];
    int kept = 0;
    for (int d = 0; d < rank; d++) {
      if (!reduced[d]) {
        order[kept++] = d;
      }
    }
    for (int d = 0, r = kept; d < rank; d++) {
      if (reduced[d]) {
        order[r++] = d;
      }
    }
    long[] keptShape = new long[kept];
    for (int i = 0; i < kept; i++) {
      keptShape[i] = in.size(order[i]);
    }
    long[] expected = keepdim ? in.shape() : keptShape;
    for (int d = 0; keepdim && d < rank; d++) {
      if (reduced[d]) {
        expected[d] = 1;
      }
    }
    if (!Arrays.equals(expected, out.shapeRef())) {
      throw new IllegalArgumentException("output shape " + Arrays.toString(out.shapeRef())
          + ", expected " + Arrays.toString(expected));
    }
    Tensor src = in.permute(order);
    Tensor dst = out.asStrided(keptShape, keptStrides(out, reduced, keepdim), 0);
    Block block = new Block(src, kept);
    if (block.size() == 0 && (fold == Fold.MAX || fold == Fold.MIN)) {
      throw new IllegalArgumentException("cannot take the " + fold + " of an empty dimension");
    }
    if (dst.numel() == 0) {
      return;
    }
    double[] values = new double[block.size()];
    double[] result = new double[1];
    Tensor[] ops = {src, dst};
    Cursor cur = new Cursor(keptShape, ops, new long[][] {src.strideRef(), dst.strideRef()},
        new int[] {src.byteOffset(), dst.byteOffset()});
    do {
      block.load(cur.offset(0), values);
      result[0] = fold.apply(values, values.length);
      Rows.store(dst, cur.offset(1), 1, 1, result, 0);
    } while (cur.next());
  }

  /** The output's strides for the kept dims (keepdim outputs have size-1 reduced dims to skip). */
  private static long[] keptStrides(Tensor out, boolean[] reduced, boolean keepdim) {
    if (!keepdim) {
      return out.stride();
    }
    long[] st = new long[out.dim()];
    int j = 0;
    for (int d = 0; d < reduced.length; d++) {
      if (!reduced[d]) {
        st[j++] = out.stride(d);
      }
    }
    return Arrays.copyOf(st, j);
  }
}
