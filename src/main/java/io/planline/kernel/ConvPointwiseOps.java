package io.planline.kernel;

import org.jspecify.annotations.Nullable;

/**
 * The fused convolutions Inductor's CPU lowering writes when it packs convolution weights
 * ({@code cpp.weight_prepack}): {@code mkldnn._convolution_pointwise} (a convolution and a unary
 * function such as ReLU), its {@code .binary} overload (plus or minus another tensor of the
 * output's shape, then optionally ReLU: a residual connection) and the in-place {@code
 * _convolution_pointwise_.binary}, which adds the product into that other tensor. Each runs as
 * one oneDNN convolution with post-ops ({@link ConvEpilogue}), or on the Java path followed by
 * one elementwise pass.
 *
 * <p>The weights are plain tensors here: the exporter writes what Inductor packed back in
 * PyTorch's layout, and {@link DnnlWeights} reorders them once for the primitive.
 */
final class ConvPointwiseOps {

  private ConvPointwiseOps() {}

  private static final String GEOMETRY = "int[] padding, int[] stride, int[] dilation,"
      + " int groups";
  private static final String BINARY_ATTRS = "str binary_attr, Scalar? alpha, str? unary_attr,"
      + " Scalar?[] unary_scalars, str? unary_algorithm";

  static void register(OpTable t) {
    t.add("mkldnn._convolution_pointwise.default", "Tensor X, Tensor W, Tensor? B, " + GEOMETRY
        + ", str attr, Scalar?[] scalars, str? algorithm", 1, a -> {
          ConvEpilogue e = epilogue(a, ConvEpilogue.Binary.NONE, 7);
          return bind(a, 0, -1, 1, e);
        });
    t.add("mkldnn._convolution_pointwise.binary", "Tensor X, Tensor other, Tensor W, Tensor? B, "
        + GEOMETRY + ", " + BINARY_ATTRS, 1, a -> {
          ConvEpilogue.Binary binary = switch (a.string(8)) {
            case "add" -> ConvEpilogue.Binary.ADD;
            case "sub" -> ConvEpilogue.Binary.SUB;
            default -> throw a.error(8, "binary_attr must be 'add' or 'sub'");
          };
          return bind(a, 0, 1, 2, epilogue(a, binary, 10));
        });
    // the schema's first argument is Tensor(a!): the output the product is added into
    t.add("mkldnn._convolution_pointwise_.binary", "Tensor other, Tensor X, Tensor W, Tensor? B, "
        + GEOMETRY + ", " + BINARY_ATTRS, 1, a -> {
          if (!a.string(8).equals("add") && !a.string(8).equals("sum")) {
            throw a.error(8, "binary_attr of the in-place form must be 'add'");
          }
          return bind(a, 1, 0, 2, epilogue(a, ConvEpilogue.Binary.ADD_INTO_OUTPUT, 10));
        });
  }

  /**
   * The epilogue of a call whose unary attribute, scalars and algorithm start at {@code
   * unaryAt}. For the binary forms the alpha before them must be None or 1 (what Inductor
   * writes; a scaled operand is refused rather than guessed at), and the unary ReLU or none,
   * the only ones Inductor fuses after an addition.
   */
  private static ConvEpilogue epilogue(CallArgs a, ConvEpilogue.Binary binary, int unaryAt) {
    if (binary != ConvEpilogue.Binary.NONE) {
      Double alpha = a.optNumber(unaryAt - 1);
      if (alpha != null && alpha != 1.0) {
        throw a.error(unaryAt - 1, "only alpha 1 is supported");
      }
      if (!a.isNone(unaryAt) && !a.string(unaryAt).equals("none")
          && !a.string(unaryAt).equals("relu")) {
        throw a.error(unaryAt, "after an addition only 'relu' (or none) is fused");
      }
    }
    try {
      return ConvEpilogue.unary(binary, a.isNone(unaryAt) ? null : a.string(unaryAt),
          a.numbers(unaryAt + 1), a.isNone(unaryAt + 2) ? null : a.string(unaryAt + 2));
    } catch (IllegalArgumentException e) {
      throw a.error(unaryAt, e.getMessage());
    }
  }

  /**
   * The call: input at {@code xAt}, the other operand at {@code otherAt} (-1: none), weight at
   * {@code wAt}, the bias and the geometry after it. The in-place form writes its other operand,
   * so the line's output must be that tensor.
   */
  private static OpTable.Invocation bind(CallArgs a, int xAt, int otherAt, int wAt,
      ConvEpilogue epilogue) {
    String input = a.tensor(xAt);
    String weight = a.tensor(wAt);
    @Nullable String bias = a.optTensor(wAt + 1);
    @Nullable String other = otherAt < 0 ? null : a.tensor(otherAt);
    boolean inPlace = epilogue.binary() == ConvEpilogue.Binary.ADD_INTO_OUTPUT;
    ConvGeometry g = ConvGeometry.read(a, wAt + 3, wAt + 2, wAt + 4, wAt + 5);
    DnnlSite<DnnlConv.Primitive> site = new DnnlSite<>();
    return c -> {
      Tensor out = c.out(0);
      Tensor operand = c.opt(other);
      if (inPlace && operand != out) {
        throw new IllegalArgumentException("the in-place form adds into its first argument '"
            + other + "', which must be the line's output");
      }
      Tensor[] t = g.asTwoD(c.in(input), c.in(weight), out, inPlace ? null : operand);
      ConvPoolOps.conv2d(c.parallel(), t[0], t[1], c.opt(bias), g.stride(), g.padding(),
          g.dilation(), g.groups(), t[2], epilogue, t[3], site);
    };
  }
}
