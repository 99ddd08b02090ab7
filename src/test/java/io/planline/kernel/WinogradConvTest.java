package io.planline.kernel;

import static io.planline.kernel.Tensors.Layout.CONTIGUOUS;
import static io.planline.kernel.Tensors.channelsLast;
import static io.planline.kernel.Tensors.named;
import static io.planline.kernel.Tensors.poisoned;
import static io.planline.kernel.Tensors.random;
import static io.planline.kernel.Tensors.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Winograd F(4x4, 3x3) kernel against direct convolution loops in double: images whose
 * sides are not multiples of the 4x4 output block (edge tiles), more tiles than one block, a
 * batch, with and without bias and ReLU, weights contiguous and channels-last; and the calls it
 * leaves to oneDNN.
 */
final class WinogradConvTest {

  private static final long[] ONES = {1, 1};

  @BeforeEach
  void onlyWhereItRuns() {
    assumeTrue(WinogradConv.available(), "no AVX-512 here, or the kernel did not load");
  }

  @ParameterizedTest
  @CsvSource({
      // batch, in channels, out channels, height, width, bias, relu, weight channels-last
      "1, 64, 64, 56, 56, true, true, true",
      "2, 16, 32, 9, 13, true, true, false",
      "1, 128, 128, 28, 28, true, false, true",
      "3, 32, 64, 5, 4, false, true, true",
      "1, 16, 32, 1, 1, false, false, false",
      "1, 64, 128, 17, 23, true, true, true",
  })
  void matchesTheDirectConvolution(int n, int c, int k, int h, int w, boolean withBias,
      boolean relu, boolean weightChannelsLast) {
    Tensor x = channelsLast(random(3, CONTIGUOUS, n, c, h, w));
    Tensor plainWeight = random(7, CONTIGUOUS, k, c, 3, 3);
    Tensor weight = weightChannelsLast ? channelsLast(plainWeight) : plainWeight;
    KernelLibrary.cpu().markWeight(weight);
    Tensor bias = withBias ? random(11, CONTIGUOUS, k) : null;
    long[] outShape = {n, k, h, w};
    Tensor out = channelsLast(poisoned(outShape));
    ConvEpilogue epilogue = relu ? relu() : ConvEpilogue.NONE;

    assertTrue(WinogradConv.tryRun(x, weight, bias, ONES, ONES, ONES, 1, out, epilogue, null));

    assertCloseToTheLargest(reference(x, plainWeight, bias, outShape, relu), out);
  }

  @Test
  void aModelsFusedConvolution_runsOnIt_andMatches() {
    Tensor x = channelsLast(random(13, CONTIGUOUS, 1, 64, 12, 10));
    Tensor w = channelsLast(random(17, CONTIGUOUS, 64, 64, 3, 3));
    KernelLibrary.cpu().markWeight(w);
    Tensor bias = random(19, CONTIGUOUS, 64);
    Tensor out = channelsLast(poisoned(1, 64, 12, 10));
    long before = WinogradConv.bytes();
    run("mkldnn._convolution_pointwise.default", List.of("x", "w", "b", "[1, 1]", "[1, 1]",
        "[1, 1]", "1", "relu", "[None]", "''"), List.of("o"),
        named("x", x, "w", w, "b", bias, "o", out));
    assertEquals(36L * 64 * 64 * Float.BYTES, WinogradConv.bytes() - before,
        "the weight transformed once, for this call");
    assertCloseToTheLargest(reference(x, w, bias, new long[] {1, 64, 12, 10}, true), out);
  }

  @ParameterizedTest
  @CsvSource({"false, true", "true, true", "true, false"})
  void residualAddition_beforeTheRelu_matches(boolean inPlace, boolean relu) {
    Tensor x = channelsLast(random(53, CONTIGUOUS, 2, 32, 11, 9));
    Tensor w = channelsLast(random(59, CONTIGUOUS, 64, 32, 3, 3));
    KernelLibrary.cpu().markWeight(w);
    Tensor bias = random(61, CONTIGUOUS, 64);
    long[] outShape = {2, 64, 11, 9};
    Tensor residual = channelsLast(random(67, CONTIGUOUS, outShape));
    double[] expected = reference(x, w, bias, outShape, false);
    double[] added = residual.toDoubleArray();
    for (int i = 0; i < expected.length; i++) {
      expected[i] += added[i];
      expected[i] = relu ? Math.max(expected[i], 0) : expected[i];
    }
    ConvEpilogue.Unary unary = relu ? ConvEpilogue.Unary.RELU : ConvEpilogue.Unary.NONE;
    Tensor out = inPlace ? residual : channelsLast(poisoned(outShape));
    ConvEpilogue epilogue = new ConvEpilogue(inPlace ? ConvEpilogue.Binary.ADD_INTO_OUTPUT
        : ConvEpilogue.Binary.ADD, unary, 0, 0);
    assertTrue(WinogradConv.tryRun(x, w, bias, ONES, ONES, ONES, 1, out, epilogue,
        inPlace ? null : residual));
    assertCloseToTheLargest(expected, out);
  }

  @Test
  void callsItDoesNotTake_areLeftToOneDnn() {
    Tensor x = channelsLast(random(23, CONTIGUOUS, 1, 64, 8, 8));
    Tensor w = channelsLast(random(29, CONTIGUOUS, 64, 64, 3, 3));
    KernelLibrary.cpu().markWeight(w);
    Tensor out = channelsLast(poisoned(1, 64, 8, 8));
    assertTrue(takes(x, w, out, ONES, ONES, ConvEpilogue.NONE, null), "the plain case");

    Tensor strided = channelsLast(poisoned(1, 64, 4, 4));
    assertFalse(takes(x, w, strided, new long[] {2, 2}, ONES, ConvEpilogue.NONE, null),
        "stride 2");
    Tensor unpadded = channelsLast(poisoned(1, 64, 6, 6));
    assertFalse(takes(x, w, unpadded, ONES, new long[] {0, 0}, ConvEpilogue.NONE, null),
        "padding 0");
    Tensor other = channelsLast(random(31, CONTIGUOUS, 1, 64, 8, 8));
    assertFalse(takes(x, w, out, ONES, ONES, new ConvEpilogue(ConvEpilogue.Binary.SUB,
        ConvEpilogue.Unary.NONE, 0, 0), other), "a subtraction");
    assertFalse(takes(x, w, out, ONES, ONES, new ConvEpilogue(ConvEpilogue.Binary.ADD,
        ConvEpilogue.Unary.NONE, 0, 0), random(31, CONTIGUOUS, 1, 64, 8, 8)),
        "a residual in NCHW");
    assertFalse(takes(x, w, out, ONES, ONES, new ConvEpilogue(ConvEpilogue.Binary.NONE,
        ConvEpilogue.Unary.SIGMOID, 0, 0), null), "a sigmoid");
    Tensor notAWeight = channelsLast(random(29, CONTIGUOUS, 64, 64, 3, 3));
    assertFalse(takes(x, notAWeight, out, ONES, ONES, ConvEpilogue.NONE, null),
        "a weight that is not a model's constant");
    assertFalse(takes(random(23, CONTIGUOUS, 1, 64, 8, 8), w, out, ONES, ONES,
        ConvEpilogue.NONE, null), "NCHW input");

    assertFalse(takesModelConvolution(256, 256), "256 channels: the transformed weight too large"
        + " to pay");
    assertFalse(takesModelConvolution(24, 48), "channels not a multiple of the kernel's vectors");
    assertTrue(takesModelConvolution(128, 128), "128 channels");
  }

  /** Whether it takes a model's 3x3 convolution of {@code c} to {@code k} channels at 8x8. */
  private static boolean takesModelConvolution(int c, int k) {
    Tensor w = channelsLast(random(37, CONTIGUOUS, k, c, 3, 3));
    KernelLibrary.cpu().markWeight(w);
    Tensor x = channelsLast(random(41, CONTIGUOUS, 1, c, 8, 8));
    return takes(x, w, channelsLast(poisoned(1, k, 8, 8)), ONES, ONES, ConvEpilogue.NONE, null);
  }

  private static boolean takes(Tensor x, Tensor w, Tensor out, long[] stride, long[] padding,
      ConvEpilogue epilogue, @Nullable Tensor other) {
    return WinogradConv.takes(x, w, null, stride, padding, ONES, 1, out, epilogue, other);
  }

  private static ConvEpilogue relu() {
    return new ConvEpilogue(ConvEpilogue.Binary.NONE, ConvEpilogue.Unary.RELU, 0, 0);
  }

  private static double[] reference(Tensor x, Tensor w, @Nullable Tensor bias, long[] outShape,
      boolean relu) {
    double[] v = ConvPoolOpsTest.convReference(x, w, bias, new int[] {1, 1}, new int[] {1, 1},
        new int[] {1, 1}, 1, outShape);
    if (relu) {
      for (int i = 0; i < v.length; i++) {
        v[i] = Math.max(v[i], 0);
      }
    }
    return v;
  }

  /**
   * Asserts max |actual - expected| / max |expected| under 2e-5 (NaN, an element never written,
   * fails it). Winograd's transforms scale the terms they sum by up to 100 (B^T's 4 and 5 on
   * both sides) before the output transform's differences cancel them, so its rounding error
   * follows the output's largest values, not each element's own: 2e-6 to 8e-6 of the largest
   * with data like this test's (docs/benchmarks.md, session 37). ResNet-50's output moved from
   * 8.1e-7 to 1.1e-6 of PyTorch's with it.
   */
  private static void assertCloseToTheLargest(double[] expected, Tensor actual) {
    double error = relativeError(expected, actual);
    assertTrue(error < 2e-5, "relative error " + error);
  }

  /** max |actual - expected| / max |expected|; NaN where actual has NaN. */
  private static double relativeError(double[] expected, Tensor actual) {
    double[] a = actual.toDoubleArray();
    double worst = 0;
    double scale = 0;
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs(a[i] - expected[i]);
      worst = Double.isNaN(diff) ? Double.NaN : Math.max(worst, diff);
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    return worst / scale;
  }
}
