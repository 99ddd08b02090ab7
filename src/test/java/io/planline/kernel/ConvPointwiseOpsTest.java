package io.planline.kernel;

import static io.planline.kernel.Tensors.Layout.CONTIGUOUS;
import static io.planline.kernel.Tensors.Layout.PERMUTED;
import static io.planline.kernel.Tensors.assertReduction;
import static io.planline.kernel.Tensors.named;
import static io.planline.kernel.Tensors.poisoned;
import static io.planline.kernel.Tensors.random;
import static io.planline.kernel.Tensors.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.DType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Inductor's fused oneDNN convolutions ({@code mkldnn._convolution_pointwise} and its binary
 * forms) against direct convolution loops followed by the fused arithmetic: on oneDNN's
 * post-ops for channels-last tensors, and on the Java path for a layout oneDNN refuses.
 */
final class ConvPointwiseOpsTest {

  private static final int N = 2;
  private static final int C = 8;
  private static final int H = 7;
  private static final int OC = 16;

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // form | binary_attr | unary attr | scalars | algorithm | channels-last (oneDNN)
      "unary  | -   | relu        | [None]      | ''   | true",
      "unary  | -   | relu        | [None]      | ''   | false",
      "unary  | -   | none        | [None]      | ''   | true",
      "unary  | -   | leaky_relu  | [0.125]     | ''   | true",
      "unary  | -   | leaky_relu  | [0.125]     | ''   | false",
      "unary  | -   | hardtanh    | [-0.5, 1.5] | ''   | true",
      "unary  | -   | hardtanh    | [-0.5, 1.5] | ''   | false",
      "unary  | -   | sigmoid     | [None]      | ''   | true",
      "unary  | -   | tanh        | [None]      | ''   | true",
      "unary  | -   | gelu        | [None]      | none | true",
      "unary  | -   | gelu        | [None]      | tanh | true",
      "unary  | -   | gelu        | [None]      | tanh | false",
      "unary  | -   | swish       | [None]      | ''   | true",
      "unary  | -   | hardswish   | [None]      | ''   | true",
      "unary  | -   | hardsigmoid | [None]      | ''   | true",
      "unary  | -   | hardsigmoid | [None]      | ''   | false",
      "binary | add | relu        | [None]      | ''   | true",
      "binary | add | relu        | [None]      | ''   | false",
      "binary | add | None        | [None]      | None | true",
      "binary | sub | none        | [None]      | ''   | true",
      "binary | sub | relu        | [None]      | ''   | false",
      "inplace | add | relu       | [None]      | ''   | true",
      "inplace | add | relu       | [None]      | ''   | false",
      "inplace | add | None       | [None]      | None | true",
  })
  void fusedConvolution_matchesConvolutionThenArithmetic(String form, String binaryAttr,
      String unaryAttr, String scalars, String algorithm, boolean channelsLast) {
    Tensor x = layout(random(31, CONTIGUOUS, N, C, H, H), channelsLast);
    Tensor w = random(17, CONTIGUOUS, OC, C, 3, 3);
    KernelLibrary.cpu().markWeight(w);
    Tensor bias = random(5, CONTIGUOUS, OC);
    long[] outShape = {N, OC, H, H};
    Tensor other = layout(random(43, CONTIGUOUS, outShape), channelsLast);
    double[] product = ConvPoolOpsTest.convReference(x, w, bias, new int[] {1, 1},
        new int[] {1, 1}, new int[] {1, 1}, 1, outShape);
    double[] otherValues = other.toDoubleArray();
    List<String> geometry = List.of("[1, 1]", "[1, 1]", "[1, 1]", "1");
    List<String> args = new ArrayList<>();
    Tensor out;
    String op;
    if (form.equals("unary")) {
      op = "mkldnn._convolution_pointwise.default";
      args.addAll(List.of("x", "w", "b"));
      args.addAll(geometry);
      args.addAll(List.of(unaryAttr, scalars, algorithm));
      out = layout(poisoned(outShape), channelsLast);
    } else {
      boolean inPlace = form.equals("inplace");
      op = inPlace ? "mkldnn._convolution_pointwise_.binary"
          : "mkldnn._convolution_pointwise.binary";
      args.addAll(inPlace ? List.of("o", "x", "w", "b") : List.of("x", "other", "w", "b"));
      args.addAll(geometry);
      args.addAll(List.of(binaryAttr, "1.0", unaryAttr, scalars, algorithm));
      out = inPlace ? other : layout(poisoned(outShape), channelsLast);
    }
    run(op, args, List.of("o"), named("x", x, "w", w, "b", bias, "other", other, "o", out));

    ConvEpilogue e = epilogue(form, binaryAttr, unaryAttr, scalars, algorithm);
    double sign = binaryAttr.equals("sub") ? -1 : 1;
    double[] expected = new double[product.length];
    for (int i = 0; i < expected.length; i++) {
      double v = form.equals("unary") ? product[i] : product[i] + sign * otherValues[i];
      expected[i] = e.apply(v);
    }
    assertReduction(expected, out, op + " " + unaryAttr);
    if (channelsLast && Dnnl.available()) {
      String impl = DnnlConv.implementation(x, w, bias, new long[] {1, 1}, new long[] {1, 1},
          new long[] {1, 1}, 1, out, e, form.equals("binary") ? other : null);
      assertFalse(impl.equals("none") || impl.equals("refused") || impl.startsWith("ref"),
          "oneDNN ran it on " + impl);
    }
  }

  private static ConvEpilogue epilogue(String form, String binaryAttr, String unaryAttr,
      String scalars, String algorithm) {
    ConvEpilogue.Binary binary = switch (form) {
      case "unary" -> ConvEpilogue.Binary.NONE;
      case "inplace" -> ConvEpilogue.Binary.ADD_INTO_OUTPUT;
      default -> binaryAttr.equals("add") ? ConvEpilogue.Binary.ADD : ConvEpilogue.Binary.SUB;
    };
    List<Double> values = new ArrayList<>();
    for (String s : scalars.replaceAll("[\\[\\]]", "").split(",")) {
      if (!s.trim().equals("None")) {
        values.add(Double.parseDouble(s.trim()));
      }
    }
    return ConvEpilogue.unary(binary, unaryAttr.equals("None") ? null : unaryAttr, values,
        algorithm.equals("None") ? null : algorithm.replace("'", ""));
  }

  /** Channels-last storage (what oneDNN's kernels take), else batch innermost (it refuses). */
  private static Tensor layout(Tensor t, boolean channelsLast) {
    if (channelsLast) {
      return Tensors.channelsLast(t);
    }
    long[] s = t.shape();
    Tensor moved = Tensor.allocate(t.dtype(), s[1], s[2], s[3], s[0]).permute(3, 0, 1, 2);
    Tensors.forEachIndex(s, i -> moved.set(t.get(i), i));
    return moved;
  }

  @Test
  void unaryFunctions_computeWhatATenDefines() {
    List<Double> none = List.of();
    ConvEpilogue.Binary b = ConvEpilogue.Binary.NONE;
    assertEquals(0.0, ConvEpilogue.unary(b, "relu", none, null).apply(-2), 0);
    assertEquals(-0.25, ConvEpilogue.unary(b, "leaky_relu", List.of(0.125), null).apply(-2), 0);
    assertEquals(1.5, ConvEpilogue.unary(b, "hardtanh", List.of(-0.5, 1.5), null).apply(3), 0);
    assertEquals(-0.5, ConvEpilogue.unary(b, "hardtanh", List.of(-0.5, 1.5), null).apply(-3), 0);
    assertEquals(0.7310585786, ConvEpilogue.unary(b, "sigmoid", none, null).apply(1), 1e-9);
    assertEquals(0.8413447461, ConvEpilogue.unary(b, "gelu", none, "none").apply(1), 1e-7);
    assertEquals(0.8411919906, ConvEpilogue.unary(b, "gelu", none, "tanh").apply(1), 1e-9);
    assertEquals(0.7310585786, ConvEpilogue.unary(b, "swish", none, "").apply(1), 1e-9);
    assertEquals(4.0 / 6, ConvEpilogue.unary(b, "hardswish", none, "").apply(1), 1e-12);
    assertEquals(0.0, ConvEpilogue.unary(b, "hardswish", none, "").apply(-4), 0);
    assertEquals(4.0 / 6, ConvEpilogue.unary(b, "hardsigmoid", none, "").apply(1), 1e-12);
    assertEquals(1.0, ConvEpilogue.unary(b, "hardsigmoid", none, "").apply(5), 0);
    assertEquals(-2.0, ConvEpilogue.unary(b, "none", none, "").apply(-2), 0);
  }

  @Test
  void badAttributes_areRefusedWhenTheProgramLoads() {
    List<String> unary = List.of("x", "w", "None", "[0, 0]", "[1, 1]", "[1, 1]", "1");
    assertRefused("mkldnn._convolution_pointwise.default", unary, List.of("mish", "[None]", ""),
        "unary attribute 'mish' is not one planline fuses");
    assertRefused("mkldnn._convolution_pointwise.default", unary,
        List.of("leaky_relu", "[None]", ""), "takes 1 scalars");
    assertRefused("mkldnn._convolution_pointwise.default", unary, List.of("gelu", "[None]",
        "exact"), "gelu's algorithm must be 'none' or 'tanh'");
    List<String> binary = List.of("x", "y", "w", "None", "[0, 0]", "[1, 1]", "[1, 1]", "1");
    assertRefused("mkldnn._convolution_pointwise.binary", binary,
        List.of("mul", "None", "relu", "[None]", ""), "binary_attr must be 'add' or 'sub'");
    assertRefused("mkldnn._convolution_pointwise.binary", binary,
        List.of("add", "2.0", "relu", "[None]", ""), "only alpha 1");
    assertRefused("mkldnn._convolution_pointwise.binary", binary,
        List.of("add", "1.0", "tanh", "[None]", ""), "only 'relu'");
    assertRefused("mkldnn._convolution_pointwise_.binary", binary,
        List.of("sub", "1.0", "relu", "[None]", ""), "in-place form must be 'add'");
  }

  private static void assertRefused(String op, List<String> head, List<String> tail,
      String message) {
    List<String> args = new ArrayList<>(head);
    args.addAll(tail);
    KernelArgumentException e = assertThrows(KernelArgumentException.class,
        () -> KernelLibrary.cpu().prepare(op, args, List.of("o")));
    assertTrue(e.getMessage().contains(message) && e.getMessage().contains(op),
        e.getMessage());
  }

  @Test
  void inPlaceFormWhoseOutputIsNotItsFirstArgument_isAnError() {
    assertRunFails("mkldnn._convolution_pointwise_.binary", List.of("y", "x"), H,
        "must be the line's output");
  }

  @Test
  void otherOperandOfAnotherShape_isAnError() {
    assertRunFails("mkldnn._convolution_pointwise.binary", List.of("x", "y"), H - 1,
        "must have the output's shape");
  }

  /**
   * Runs a binary form whose first two arguments are {@code head} (x: the input, y: another
   * tensor of width {@code otherWidth}) into a separate output o; the run fails with
   * {@code message}.
   */
  private static void assertRunFails(String op, List<String> head, int otherWidth,
      String message) {
    Tensor x = random(1, CONTIGUOUS, 1, C, H, H);
    Tensor w = random(2, CONTIGUOUS, OC, C, 3, 3);
    Tensor other = random(3, CONTIGUOUS, 1, OC, H, otherWidth);
    Tensor out = poisoned(DType.FLOAT32, PERMUTED, 1, OC, H, H);
    List<String> args = new ArrayList<>(head);
    args.addAll(List.of("w", "None", "[1, 1]", "[1, 1]", "[1, 1]", "1", "add", "None", "relu",
        "[None]", ""));
    KernelExecutionException e = assertThrows(KernelExecutionException.class,
        () -> run(op, args, List.of("o"), named("x", x, "w", w, "y", other, "o", out)));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
