package io.planline.kernel;

/**
 * An odometer over the outer dimensions of several operands at once, tracking each operand's byte
 * offset incrementally so that the inner row loop never recomputes an address from indices.
 *
 * <p>Usage: {@code do { ... offset(k) ... } while (cursor.next());} — the body runs once per
 * position even for zero outer dimensions; callers skip empty iteration spaces themselves.
 */
final class Cursor {

  private final long[] shape;
  private final long[][] byteStrides;
  private final long[] counters;
  private final int[] offsets;

  /**
   * Requires: {@code strides[k].length >= shape.length}; only the first {@code shape.length}
   * entries are used (the rest belong to the inner row).
   */
  Cursor(long[] shape, Tensor[] operands, long[][] strides, int[] bases) {
    this.shape = shape;
    this.counters = new long[shape.length];
    this.offsets = bases.clone();
    this.byteStrides = new long[operands.length][shape.length];
    for (int k = 0; k < operands.length; k++) {
      int item = operands[k].dtype().itemSize();
      for (int d = 0; d < shape.length; d++) {
        byteStrides[k][d] = strides[k][d] * item;
      }
    }
  }

  /** The current byte offset of operand {@code k}. */
  int offset(int k) {
    return offsets[k];
  }

  /** Advances to the next position; false once every position has been visited. */
  boolean next() {
    for (int d = shape.length - 1; d >= 0; d--) {
      if (++counters[d] < shape[d]) {
        for (int k = 0; k < offsets.length; k++) {
          offsets[k] += (int) byteStrides[k][d];
        }
        return true;
      }
      long back = shape[d] - 1;
      counters[d] = 0;
      for (int k = 0; k < offsets.length; k++) {
        offsets[k] -= (int) (byteStrides[k][d] * back);
      }
    }
    return false;
  }
}
