package io.planline.kernel;

/**
 * A convolution's constant arguments, read and checked when the program loads: 1-D or 2-D
 * (1-D runs as 2-D over height 1), stride, padding and dilation as (height, width) pairs.
 */
record ConvGeometry(int spatial, long[] stride, long[] padding, long[] dilation, int groups) {

  /** The arguments at the given positions of {@code a}'s schema. */
  static ConvGeometry read(CallArgs a, int strideAt, int paddingAt, int dilationAt,
      int groupsAt) {
    int spatial = Math.max(a.intListLength(strideAt),
        Math.max(a.intListLength(paddingAt), a.intListLength(dilationAt)));
    if (spatial < 1 || spatial > 2) {
      throw a.error(strideAt, "only 1-D and 2-D convolutions are supported");
    }
    long[] stride = pair(a.constInts(strideAt, spatial), 1);
    long[] padding = pair(a.constInts(paddingAt, spatial), 0);
    long[] dilation = pair(a.constInts(dilationAt, spatial), 1);
    long groups = a.constInt(groupsAt);
    if (groups < 1 || groups > Integer.MAX_VALUE) {
      throw a.error(groupsAt, "groups must be >= 1");
    }
    for (int k = 0; k < 2; k++) {
      if (stride[k] < 1 || dilation[k] < 1 || padding[k] < 0) {
        throw a.error(strideAt, "stride and dilation must be >= 1 and padding >= 0");
      }
    }
    return new ConvGeometry(spatial, stride, padding, dilation, (int) groups);
  }

  /**
   * The tensors as 2-D convolution operands: 1-D ones gain a height of 1 (the input's rank
   * checked against the geometry's).
   */
  Tensor[] asTwoD(Tensor... tensors) {
    if (tensors[0].dim() != spatial + 2) {
      throw new IllegalArgumentException(spatial + "-D convolution of a " + tensors[0].dim()
          + "-D input");
    }
    Tensor[] out = tensors.clone();
    if (spatial == 1) {
      for (int i = 0; i < out.length; i++) {
        out[i] = out[i] == null ? null : out[i].unsqueeze(2);
      }
    }
    return out;
  }

  /** A 1-D parameter becomes (height, v) so that 1-D convolution runs as 2-D over height 1. */
  private static long[] pair(long[] v, long height) {
    return v.length == 2 ? v : new long[] {height, v[0]};
  }
}
