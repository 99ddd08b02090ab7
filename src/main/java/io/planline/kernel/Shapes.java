package io.planline.kernel;

import io.planline.ir.DType;
import java.util.Arrays;

/** Shape and stride arithmetic shared by tensors and kernels. */
final class Shapes {

  private Shapes() {}

  /** Row-major strides for {@code shape}, in elements (size-0 dims count as 1). */
  static long[] contiguousStrides(long[] shape) {
    long[] s = new long[shape.length];
    long acc = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      s[d] = acc;
      acc *= Math.max(shape[d], 1);
    }
    return s;
  }

  /** The product of the sizes, rejecting negative sizes and overflow. */
  static long numel(long[] shape) {
    long n = 1;
    for (long s : shape) {
      if (s < 0) {
        throw new IllegalArgumentException("negative size in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, s);
    }
    return n;
  }

  /** Dimension {@code d} of a rank-{@code rank} tensor, negative counting from the end. */
  static int wrapDim(long d, int rank) {
    int r = Math.max(rank, 1);
    if (d < -r || d >= r) {
      throw new IllegalArgumentException("dimension " + d + " out of range for rank " + rank);
    }
    return (int) (d < 0 ? d + r : d);
  }

  /** {@code a} without its element {@code k}. */
  static long[] without(long[] a, int k) {
    long[] out = new long[a.length - 1];
    System.arraycopy(a, 0, out, 0, k);
    System.arraycopy(a, k + 1, out, k, a.length - k - 1);
    return out;
  }

  /** {@code a} with {@code v} inserted at position {@code k}. */
  static long[] with(long[] a, int k, long v) {
    long[] out = new long[a.length + 1];
    System.arraycopy(a, 0, out, 0, k);
    out[k] = v;
    System.arraycopy(a, k, out, k + 1, a.length - k);
    return out;
  }

  /** The shape every operand broadcasts to (numpy rules). */
  static long[] broadcast(long[]... shapes) {
    int rank = 0;
    for (long[] s : shapes) {
      rank = Math.max(rank, s.length);
    }
    long[] out = new long[rank];
    Arrays.fill(out, 1);
    for (long[] s : shapes) {
      for (int i = 0; i < s.length; i++) {
        int d = rank - s.length + i;
        if (s[i] != 1) {
          if (out[d] != 1 && out[d] != s[i]) {
            throw new IllegalArgumentException("shapes do not broadcast: "
                + String.join(" and ", Arrays.stream(shapes).map(Arrays::toString).toList()));
          }
          out[d] = s[i];
        }
      }
    }
    return out;
  }

  /**
   * Checks that a view lies inside a buffer of {@code capacity} bytes.
   *
   * @throws IllegalArgumentException for mismatched ranks, negative sizes or strides, or bytes
   *     addressed past the end
   */
  static void checkView(int capacity, int off, DType dtype, long[] sh, long[] st) {
    if (sh.length != st.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(sh) + " and stride "
          + Arrays.toString(st) + " differ in rank");
    }
    long maxIndex = 0;
    for (int d = 0; d < sh.length; d++) {
      if (sh[d] < 0 || st[d] < 0) {
        throw new IllegalArgumentException("negative size or stride: shape "
            + Arrays.toString(sh) + ", stride " + Arrays.toString(st));
      }
      if (sh[d] > 0) {
        maxIndex = Math.addExact(maxIndex, Math.multiplyExact(sh[d] - 1, st[d]));
      }
    }
    if (numel(sh) > 0) {
      long end = off + Math.multiplyExact(maxIndex + 1, (long) dtype.itemSize());
      if (end > capacity) {
        throw new IllegalArgumentException("view needs bytes up to " + end + " of a "
            + capacity + "-byte buffer: " + dtype + " shape " + Arrays.toString(sh)
            + " stride " + Arrays.toString(st) + " byte offset " + off);
      }
    }
  }
}
