package io.planline.backend.cuda;

import java.util.Arrays;

/** Shape arithmetic for launches: broadcasting, and merging dimensions a kernel can walk as one. */
final class Layouts {

  private Layouts() {}

  /**
   * The broadcast shape of {@code shapes} (NumPy rules), exactly as the CPU library computes it.
   *
   * @throws IllegalArgumentException when they do not broadcast
   */
  static long[] broadcast(long[]... shapes) {
    return io.planline.kernel.Tensor.broadcastShape(shapes);
  }

  /** Strides that read a tensor of {@code shape, stride} broadcast to {@code target}. */
  static long[] expand(long[] shape, long[] stride, long[] target) {
    if (shape.length > target.length) {
      throw new IllegalArgumentException("cannot expand " + Arrays.toString(shape) + " to "
          + Arrays.toString(target));
    }
    long[] out = new long[target.length];
    int lead = target.length - shape.length;
    for (int d = 0; d < shape.length; d++) {
      if (shape[d] == target[lead + d]) {
        out[lead + d] = stride[d];
      } else if (shape[d] == 1) {
        out[lead + d] = 0;
      } else {
        throw new IllegalArgumentException("cannot expand " + Arrays.toString(shape) + " to "
            + Arrays.toString(target));
      }
    }
    return out;
  }

  /** Dimensions after merging; {@code strides[k]} is operand k's. */
  record Merged(long[] shape, long[][] strides) {
    int rank() {
      return shape.length;
    }
  }

  /**
   * Drops size-1 dimensions and merges neighbours contiguous in every operand, so a dense add
   * of any rank is one flat walk. Always rank >= 1.
   *
   * @throws IllegalArgumentException when more than {@link Params#MAXD} dimensions remain
   */
  static Merged merge(long[] shape, long[][] strides) {
    int ops = strides.length;
    long[] sh = new long[Math.max(1, shape.length)];
    long[][] st = new long[ops][Math.max(1, shape.length)];
    int r = 0;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] == 1) {
        continue;
      }
      boolean mergeable = r > 0;
      for (int k = 0; mergeable && k < ops; k++) {
        mergeable = strides[k][d] == st[k][r - 1] * sh[r - 1];
      }
      if (mergeable) {
        sh[r - 1] *= shape[d];
        continue;
      }
      sh[r] = shape[d];
      for (int k = 0; k < ops; k++) {
        st[k][r] = strides[k][d];
      }
      r++;
    }
    if (r == 0) {
      sh[0] = 1;
      r = 1;
    }
    if (r > Params.MAXD) {
      throw new IllegalArgumentException("more than " + Params.MAXD + " dimensions after merging: "
          + Arrays.toString(shape));
    }
    long[] outShape = new long[r];
    long[][] outStrides = new long[ops][r];
    for (int i = 0; i < r; i++) {
      outShape[i] = sh[r - 1 - i];
      for (int k = 0; k < ops; k++) {
        outStrides[k][i] = st[k][r - 1 - i];
      }
    }
    return new Merged(outShape, outStrides);
  }

  /** A dimension index, negative counting from the end, checked against {@code rank}. */
  static int wrapDim(long d, int rank) {
    int r = Math.max(rank, 1);
    if (d < -r || d >= r) {
      throw new IllegalArgumentException("dimension " + d + " out of range for rank " + rank);
    }
    return (int) (d < 0 ? d + r : d);
  }
}
