package io.planline.kernel;

import java.util.Arrays;
import java.util.List;

/**
 * Operators that move or create values rather than compute them: copies and dtype conversion,
 * {@code cat}, {@code embedding}, {@code index_select}, and the factories {@code full},
 * {@code zeros}, {@code ones}, {@code scalar_tensor} and {@code arange}.
 */
final class IndexingOps {

  private static final String FACTORY = "ScalarType? dtype, Layout? layout, Device? device,"
      + " bool? pin_memory";

  private IndexingOps() {}

  static void register(OpTable t) {
    registerCopies(t);
    t.add("aten.cat.default", "Tensor[] tensors, int dim", 1, a -> {
      List<String> names = a.tensors(0);
      long dim = a.constInt(1);
      if (names.isEmpty()) {
        throw a.error(0, "cat needs at least one tensor");
      }
      return c -> cat(c.all(names), dim, c.out(0));
    });
    t.add("aten.embedding.default", "Tensor weight, Tensor indices, SymInt padding_idx,"
        + " bool scale_grad_by_freq, bool sparse", 1, a -> {
          String weight = a.tensor(0);
          String indices = a.tensor(1);
          return c -> embedding(c.in(weight), c.in(indices), c.out(0));
        });
    t.add("aten.index_select.default", "Tensor self, int dim, Tensor index", 1, a -> {
      String self = a.tensor(0);
      long dim = a.constInt(1);
      String index = a.tensor(2);
      return c -> indexSelect(c.in(self), dim, c.in(index), c.out(0));
    });
    registerFactories(t);
  }

  private static void registerCopies(OpTable t) {
    t.add("aten.clone.default", "Tensor self, MemoryFormat? memory_format", 1, a -> {
      String self = a.tensor(0);
      return c -> copy(c.in(self), c.out(0), true);
    });
    t.add("aten.lift_fresh_copy.default", "Tensor self", 1, a -> {
      String self = a.tensor(0);
      return c -> copy(c.in(self), c.out(0), true);
    });
    t.add("aten._to_copy.default", "Tensor self, " + FACTORY + ", bool non_blocking,"
        + " MemoryFormat? memory_format", 1, a -> {
          String self = a.tensor(0);
          return c -> copy(c.in(self), c.out(0), true);
        });
    t.add("aten.copy.default", "Tensor self, Tensor src, bool non_blocking", 1, a -> {
      String src = a.tensor(1);
      return c -> copy(c.in(src), c.out(0), false);
    });
  }

  private static void registerFactories(OpTable t) {
    t.add("aten.full.default", "SymInt[] size, Scalar fill_value, " + FACTORY, 1,
        a -> fill(a.number(1)));
    t.add("aten.zeros.default", "SymInt[] size, " + FACTORY, 1, a -> fill(0));
    t.add("aten.ones.default", "SymInt[] size, " + FACTORY, 1, a -> fill(1));
    t.add("aten.scalar_tensor.default", "Scalar s, " + FACTORY, 1, a -> fill(a.number(0)));
    String like = "Tensor self, " + FACTORY + ", MemoryFormat? memory_format";
    t.add("aten.full_like.default", "Tensor self, Scalar fill_value, " + FACTORY
        + ", MemoryFormat? memory_format", 1, a -> fill(a.number(1)));
    t.add("aten.zeros_like.default", like, 1, a -> fill(0));
    t.add("aten.ones_like.default", like, 1, a -> fill(1));
    t.add("aten.arange.default", "Scalar end, " + FACTORY, 1, a -> arange(a, -1, 0, -1));
    t.add("aten.arange.start", "Scalar start, Scalar end, " + FACTORY, 1,
        a -> arange(a, 0, 1, -1));
    t.add("aten.arange.start_step", "Scalar start, Scalar end, Scalar step, " + FACTORY, 1,
        a -> arange(a, 0, 1, 2));
  }

  private static OpTable.Invocation fill(double value) {
    return c -> c.out(0).fill(value);
  }

  /** Copies {@code src} into {@code dst}, converting dtype; broadcasting only when allowed. */
  static void copy(Tensor src, Tensor dst, boolean sameShape) {
    if (sameShape && !Arrays.equals(src.shapeRef(), dst.shapeRef())) {
      throw new IllegalArgumentException("output " + dst + " must have the shape of " + src);
    }
    Elementwise.map(dst, new Tensor[] {src}, (in, o, n) -> System.arraycopy(in[0], 0, o, 0, n));
  }

  /** Concatenates along {@code dim}, skipping legacy empty 1-D [0] inputs as ATen does. */
  static void cat(List<Tensor> inputs, long dim, Tensor out) {
    int d = Tensor.wrapDim(dim, out.dim());
    long at = 0;
    for (Tensor t : inputs) {
      if (t.dim() == 1 && t.size(0) == 0 && out.dim() != 1) {
        continue;
      }
      if (t.dim() != out.dim()) {
        throw new IllegalArgumentException("cat of " + t + " into " + out);
      }
      for (int k = 0; k < t.dim(); k++) {
        if (k != d && t.size(k) != out.size(k)) {
          throw new IllegalArgumentException("cat of " + t + " into " + out + ": dim " + k);
        }
      }
      if (at + t.size(d) > out.size(d)) {
        throw new IllegalArgumentException("cat inputs exceed output size " + out.size(d)
            + " along dim " + d);
      }
      copy(t, out.narrow(d, at, t.size(d)), true);
      at += t.size(d);
    }
    if (at != out.size(d)) {
      throw new IllegalArgumentException("cat inputs fill " + at + " of " + out.size(d)
          + " along dim " + d);
    }
  }

  /** {@code out[i..., :] = weight[indices[i...], :]}. */
  static void embedding(Tensor weight, Tensor indices, Tensor out) {
    if (weight.dim() != 2) {
      throw new IllegalArgumentException("embedding weight must be 2-D, got " + weight);
    }
    long rows = weight.size(0);
    int width = (int) weight.size(1);
    long[] expected = Arrays.copyOf(indices.shapeRef(), indices.dim() + 1);
    expected[indices.dim()] = width;
    if (!Arrays.equals(expected, out.shapeRef())) {
      throw new IllegalArgumentException("output shape " + Arrays.toString(out.shapeRef())
          + ", expected " + Arrays.toString(expected));
    }
    if (indices.numel() == 0) {
      return;
    }
    Cursor cur = new Cursor(indices.shapeRef(), new Tensor[] {indices, out},
        new long[][] {indices.strideRef(), out.strideRef()},
        new int[] {indices.byteOffset(), out.byteOffset()});
    double[] row = new double[width];
    int wItem = weight.dtype().itemSize();
    do {
      long i = Rows.loadLong(indices, cur.offset(0));
      if (i < 0 || i >= rows) {
        throw new IndexOutOfBoundsException("index " + i + " out of range for " + rows
            + " embedding rows");
      }
      Rows.load(weight, weight.byteOffset() + (int) (i * weight.stride(0) * wItem), width,
          weight.stride(1), row, 0);
      Rows.store(out, cur.offset(1), width, out.stride(-1), row, 0);
    } while (cur.next());
  }

  /** {@code out} = the slices of {@code self} along {@code dim} at the 1-D {@code index}. */
  static void indexSelect(Tensor self, long dim, Tensor index, Tensor out) {
    int d = Tensor.wrapDim(dim, self.dim());
    long[] idx = index.toLongArray();
    long[] expected = self.shape();
    if (self.dim() > 0) {
      expected[d] = idx.length;
    }
    if (index.dim() > 1 || !Arrays.equals(expected, out.shapeRef())) {
      throw new IllegalArgumentException("index_select of " + self + " by " + index + " into "
          + out);
    }
    for (int k = 0; k < idx.length; k++) {
      if (idx[k] < 0 || idx[k] >= self.size(d)) {
        throw new IndexOutOfBoundsException("index " + idx[k] + " out of range for size "
            + self.size(d));
      }
      copy(self.narrow(d, idx[k], 1), out.narrow(d, k, 1), true);
    }
  }

  /**
   * Binds arange from the Scalars at positions start, end, step (-1: the default 0 or 1). The
   * output's length is the element count, so only start and step must be constants; the end may
   * be symbolic and is checked when it is not.
   */
  private static OpTable.Invocation arange(CallArgs a, int startAt, int endAt, int stepAt) {
    double start = startAt < 0 ? 0 : a.number(startAt);
    double step = stepAt < 0 ? 1 : a.number(stepAt);
    if (step == 0 || Double.isNaN(step)) {
      throw a.error(stepAt, "step must be nonzero");
    }
    Double end = a.isSymbolic(endAt) ? null : a.number(endAt);
    return c -> {
      Tensor out = c.out(0);
      if (out.dim() != 1) {
        throw new IllegalArgumentException("arange output must be 1-D, got " + out);
      }
      long n = out.size(0);
      if (end != null && n != (long) Math.max(0, Math.ceil((end - start) / step))) {
        throw new IllegalArgumentException("arange(" + start + ", " + end + ", " + step
            + ") has " + (long) Math.ceil((end - start) / step) + " elements, output has " + n);
      }
      double[] chunk = new double[(int) Math.min(n, Elementwise.CHUNK)];
      int item = out.dtype().itemSize();
      for (long i0 = 0; i0 < n; i0 += chunk.length) {
        int m = (int) Math.min(chunk.length, n - i0);
        for (int i = 0; i < m; i++) {
          chunk[i] = start + (i0 + i) * step;
        }
        Rows.store(out, out.byteOffset() + (int) (i0 * out.stride(0) * item), m, out.stride(0),
            chunk, 0);
      }
    };
  }
}
