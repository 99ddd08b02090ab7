package io.planline.kernel;

import java.util.Arrays;

/**
 * ATen's shape rules that every backend must apply the same way, on plain shapes, so the CUDA
 * backend checks and sizes its operands exactly as this library does.
 */
public final class ShapeRules {

  private ShapeRules() {}

  /**
   * Output length of a pooling window along one dimension (ATen's {@code pooling_output_shape}).
   * With {@code ceil} the last window must start inside the input or its left padding.
   */
  public static long poolOutput(long in, long kernel, long stride, long pad, long dilation,
      boolean ceil) {
    long o = Math.floorDiv(in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil ? stride - 1 : 0),
        stride) + 1;
    if (ceil && (o - 1) * stride >= in + pad) {
      o--;
    }
    return o;
  }

  /**
   * The axis where layer norm's last {@code k} dimensions start, after checking that its mean and
   * rstd outputs have the input's shape with those dimensions set to 1.
   *
   * @throws IllegalArgumentException naming the shapes that do not fit
   */
  public static int layerNormAxis(long[] input, int k, long[] mean, long[] rstd) {
    int axis = input.length - k;
    if (axis < 0) {
      throw new IllegalArgumentException("normalized_shape has " + k + " dims, input "
          + Arrays.toString(input));
    }
    long[] stat = input.clone();
    Arrays.fill(stat, axis, stat.length, 1);
    if (!Arrays.equals(stat, mean) || !Arrays.equals(stat, rstd)) {
      throw new IllegalArgumentException("mean/rstd must have shape " + Arrays.toString(stat)
          + ", got " + Arrays.toString(mean) + " and " + Arrays.toString(rstd));
    }
    return axis;
  }
}
