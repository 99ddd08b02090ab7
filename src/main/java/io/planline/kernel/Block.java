package io.planline.kernel;

import java.util.Arrays;

/**
 * The trailing dimensions of a tensor from {@code fromDim} on, read or written as one row-major
 * run of doubles: a layer-norm row, a softmax row, the elements one reduction output folds.
 * Dimensions that are contiguous are merged first, so the common case is a single row transfer.
 */
final class Block {

  private final Tensor t;
  private final long[] shape;
  private final long[] stride;
  private final int size;

  Block(Tensor t, int fromDim) {
    this.t = t;
    long[] sh = Arrays.copyOfRange(t.shapeRef(), fromDim, t.dim());
    Tensor sub = t.asStrided(sh, Arrays.copyOfRange(t.strideRef(), fromDim, t.dim()), 0);
    Elementwise.Merged m = Elementwise.Merged.of(sh, new Tensor[] {sub});
    this.shape = m.shape;
    this.stride = m.strides[0];
    this.size = Math.toIntExact(Tensor.numel(sh));
  }

  /** Elements in the block. */
  int size() {
    return size;
  }

  /** Reads the block whose first element is at byte {@code base} into dst[0..size). */
  void load(int base, double[] dst) {
    transfer(base, dst, false);
  }

  /** Writes src[0..size) into the block whose first element is at byte {@code base}. */
  void store(double[] src, int base) {
    transfer(base, src, true);
  }

  private void transfer(int base, double[] buf, boolean store) {
    if (size == 0) {
      return;
    }
    int last = shape.length - 1;
    int n = (int) shape[last];
    long s = stride[last];
    if (last == 0) {
      move(base, n, s, buf, 0, store);
      return;
    }
    // odometer over the outer merged dimensions; rows are rare here (non-contiguous blocks)
    long[] idx = new long[last];
    int item = t.dtype().itemSize();
    for (int off = 0; off < size; off += n) {
      long b = base;
      for (int d = 0; d < last; d++) {
        b += idx[d] * stride[d] * item;
      }
      move((int) b, n, s, buf, off, store);
      for (int d = last - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
  }

  private void move(int b, int n, long s, double[] buf, int off, boolean store) {
    if (store) {
      Rows.store(t, b, n, s, buf, off);
    } else {
      Rows.load(t, b, n, s, buf, off);
    }
  }
}
