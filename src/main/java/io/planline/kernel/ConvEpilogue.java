package io.planline.kernel;

import java.util.List;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.jspecify.annotations.Nullable;

/**
 * What a fused convolution does to its product before storing it, as Inductor's CPU lowering
 * writes it into {@code mkldnn._convolution_pointwise} and its binary forms ({@link
 * ConvPointwiseOps}): first add or subtract another tensor of the output's shape, then one
 * unary function. oneDNN applies both as post-ops while the product is still in registers,
 * which saves the separate passes over memory that ResNet-50's ReLUs and residual additions
 * otherwise take; {@link #apply} is the same arithmetic for the Java path and the tests.
 *
 * @param binary the tensor operation, applied first
 * @param unary the function applied last
 * @param alpha the unary's first scalar (leaky ReLU's slope, hardtanh's minimum), else 0
 * @param beta the unary's second scalar (hardtanh's maximum), else 0
 */
record ConvEpilogue(Binary binary, Unary unary, double alpha, double beta) {

  /** Nothing after the product: a plain convolution. */
  static final ConvEpilogue NONE = new ConvEpilogue(Binary.NONE, Unary.NONE, 0, 0);

  /** The tensor operation with the other operand. */
  enum Binary {
    NONE,
    /** {@code product + other}, into a fresh output. */
    ADD,
    /** {@code product - other}, into a fresh output. */
    SUB,
    /** {@code product + other}, where the output is {@code other} itself (the in-place form). */
    ADD_INTO_OUTPUT
  }

  /** The unary functions Inductor fuses into a convolution, by its attribute names. */
  enum Unary {
    NONE("none", 0),
    RELU("relu", 0),
    LEAKY_RELU("leaky_relu", 1),
    HARDTANH("hardtanh", 2),
    SIGMOID("sigmoid", 0),
    TANH("tanh", 0),
    GELU("gelu", 0),
    GELU_TANH("gelu", 0),
    SWISH("swish", 0),
    HARDSWISH("hardswish", 0),
    HARDSIGMOID("hardsigmoid", 0);

    final String attr;
    /** How many scalars the attribute takes (its {@code scalars} list). */
    final int scalars;

    Unary(String attr, int scalars) {
      this.attr = attr;
      this.scalars = scalars;
    }
  }

  /** The attribute names {@link #unary} accepts, for error messages. */
  static final String UNARY_NAMES =
      "none, relu, leaky_relu, hardtanh, sigmoid, tanh, gelu, swish, hardswish, hardsigmoid";

  /**
   * The unary part from Inductor's {@code attr}, {@code scalars} (None entries dropped) and
   * {@code algorithm} (GELU's approximation, "none" or "tanh").
   *
   * @throws IllegalArgumentException naming what is wrong, for an unknown attribute, a wrong
   *     number of scalars or an unknown GELU approximation
   */
  static ConvEpilogue unary(Binary binary, @Nullable String attr, List<Double> scalars,
      @Nullable String algorithm) {
    String name = attr == null || attr.isEmpty() ? "none" : attr;
    Unary u = null;
    for (Unary candidate : Unary.values()) {
      if (candidate.attr.equals(name)) {
        u = candidate;
        break;
      }
    }
    if (u == null) {
      throw new IllegalArgumentException("unary attribute '" + name
          + "' is not one planline fuses into a convolution (" + UNARY_NAMES + ")");
    }
    if (u == Unary.GELU) {
      String approx = algorithm == null || algorithm.isEmpty() ? "none" : algorithm;
      u = switch (approx) {
        case "none" -> Unary.GELU;
        case "tanh" -> Unary.GELU_TANH;
        default -> throw new IllegalArgumentException("gelu's algorithm must be 'none' or "
            + "'tanh', got '" + approx + "'");
      };
    }
    if (scalars.size() != u.scalars) {
      throw new IllegalArgumentException("unary attribute '" + name + "' takes " + u.scalars
          + " scalars, got " + scalars);
    }
    return new ConvEpilogue(binary, u, u.scalars > 0 ? scalars.get(0) : 0,
        u.scalars > 1 ? scalars.get(1) : 0);
  }

  /** The unary function at {@code x}, as ATen computes it (in double). */
  double apply(double x) {
    return switch (unary) {
      case NONE -> x;
      case RELU -> Math.max(x, 0.0);
      case LEAKY_RELU -> x > 0 ? x : x * alpha;
      case HARDTANH -> Math.min(Math.max(x, alpha), beta);
      case SIGMOID -> 1.0 / (1.0 + Math.exp(-x));
      case TANH -> Math.tanh(x);
      case GELU -> MathFns.gelu(x);
      case GELU_TANH -> MathFns.geluTanh(x);
      case SWISH -> x / (1.0 + Math.exp(-x));
      case HARDSWISH -> x * Math.min(Math.max(x + 3.0, 0.0), 6.0) / 6.0;
      case HARDSIGMOID -> Math.min(Math.max(x + 3.0, 0.0), 6.0) / 6.0;
    };
  }

  /**
   * oneDNN's post-ops for this epilogue: the binary first (as a sum into the destination in
   * place, else as a binary post-op reading {@code other}, which is then post-op 0's source),
   * then the unary as an eltwise post-op.
   */
  post_ops postOps(memory.@Nullable desc other) {
    post_ops ops = new post_ops();
    switch (binary) {
      case NONE -> { }
      case ADD_INTO_OUTPUT -> ops.append_sum(1.0f, 0, memory.data_type.undef);
      case ADD, SUB -> ops.append_binary(binary == Binary.ADD ? dnnl.algorithm.binary_add
          : dnnl.algorithm.binary_sub, other);
    }
    float a = (float) alpha;
    float b = (float) beta;
    switch (unary) {
      case NONE -> { }
      case RELU -> ops.append_eltwise(dnnl.algorithm.eltwise_relu, 0f, 0f);
      case LEAKY_RELU -> ops.append_eltwise(dnnl.algorithm.eltwise_relu, a, 0f);
      case HARDTANH -> ops.append_eltwise(dnnl.algorithm.eltwise_clip, a, b);
      case SIGMOID -> ops.append_eltwise(dnnl.algorithm.eltwise_logistic, 0f, 0f);
      case TANH -> ops.append_eltwise(dnnl.algorithm.eltwise_tanh, 0f, 0f);
      case GELU -> ops.append_eltwise(dnnl.algorithm.eltwise_gelu_erf, 0f, 0f);
      case GELU_TANH -> ops.append_eltwise(dnnl.algorithm.eltwise_gelu_tanh, 0f, 0f);
      case SWISH -> ops.append_eltwise(dnnl.algorithm.eltwise_swish, 1f, 0f);
      case HARDSWISH -> ops.append_eltwise(dnnl.algorithm.eltwise_hardswish, 1f / 6, 0.5f);
      case HARDSIGMOID -> ops.append_eltwise(dnnl.algorithm.eltwise_hardsigmoid, 1f / 6, 0.5f);
    }
    return ops;
  }

  /** oneDNN's argument number of the binary post-op's second operand (post-op 0). */
  static int otherArgument() {
    return dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE | dnnl.DNNL_ARG_SRC_1;
  }

  /** This epilogue as numbers, for a primitive cache key. */
  long[] key() {
    return new long[] {binary.ordinal(), unary.ordinal(), Double.doubleToLongBits(alpha),
        Double.doubleToLongBits(beta)};
  }
}
