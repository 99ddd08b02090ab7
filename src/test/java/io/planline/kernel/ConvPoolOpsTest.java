package io.planline.kernel;

import static io.planline.kernel.Tensors.Layout.CONTIGUOUS;
import static io.planline.kernel.Tensors.Layout.PERMUTED;
import static io.planline.kernel.Tensors.Layout.SLICED;
import static io.planline.kernel.Tensors.assertReduction;
import static io.planline.kernel.Tensors.channelsLast;
import static io.planline.kernel.Tensors.named;
import static io.planline.kernel.Tensors.poisoned;
import static io.planline.kernel.Tensors.random;
import static io.planline.kernel.Tensors.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.DType;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Convolution and pooling against direct sliding-window loops. */
final class ConvPoolOpsTest {

  /** Direct convolution: every output sums its window, skipping padded positions. */
  static double[] convReference(Tensor x, Tensor w, Tensor bias, int[] s, int[] p, int[] d,
      int groups, long[] outShape) {
    int n = (int) outShape[0];
    int oc = (int) outShape[1];
    int oh = (int) outShape[2];
    int ow = (int) outShape[3];
    int cg = (int) w.size(1);
    int ocg = oc / groups;
    double[] out = new double[n * oc * oh * ow];
    for (int b = 0; b < n; b++) {
      for (int o = 0; o < oc; o++) {
        int g = o / ocg;
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++) {
            double acc = bias == null ? 0 : bias.get(o);
            for (int c = 0; c < cg; c++) {
              for (int ki = 0; ki < w.size(2); ki++) {
                for (int kj = 0; kj < w.size(3); kj++) {
                  long ih = (long) i * s[0] - p[0] + (long) ki * d[0];
                  long iw = (long) j * s[1] - p[1] + (long) kj * d[1];
                  if (ih >= 0 && ih < x.size(2) && iw >= 0 && iw < x.size(3)) {
                    acc += x.get(b, g * cg + c, ih, iw) * w.get(o, c, ki, kj);
                  }
                }
              }
            }
            out[((b * oc + o) * oh + i) * ow + j] = acc;
          }
        }
      }
    }
    return out;
  }

  @ParameterizedTest
  @CsvSource({
      // n, c, h, w, oc, k, stride, pad, dilation, groups, bias, layout
      "2, 3, 8, 8, 4, 3, 1, 1, 1, 1, true, CONTIGUOUS",
      "1, 4, 9, 7, 6, 3, 2, 1, 1, 2, false, PERMUTED",
      "3, 2, 10, 10, 2, 3, 1, 2, 2, 2, true, SLICED",
      "2, 6, 5, 5, 6, 3, 1, 1, 1, 6, true, PERMUTED",
      "1, 8, 6, 6, 16, 1, 1, 0, 1, 1, true, CONTIGUOUS",
      "1, 8, 6, 6, 16, 1, 1, 0, 1, 1, false, SLICED",
      "8, 1, 8, 8, 16, 3, 1, 1, 1, 1, true, CONTIGUOUS",
      "1, 16, 20, 20, 24, 5, 2, 2, 1, 1, true, CONTIGUOUS",
      // large enough for OpenBLAS (ConvColumns.MIN_MACS per image and group): 3x3, 1x1 (the
      // input read as it is), a 7x7 stride-2 stem, two groups
      "2, 16, 32, 32, 32, 3, 1, 1, 1, 1, true, CONTIGUOUS",
      "1, 64, 16, 16, 256, 1, 1, 0, 1, 1, true, CONTIGUOUS",
      "1, 3, 64, 64, 64, 7, 2, 3, 1, 1, false, CONTIGUOUS",
      "2, 32, 32, 32, 64, 3, 1, 1, 1, 2, true, CONTIGUOUS",
      "2, 32, 32, 32, 64, 3, 1, 1, 1, 2, true, PERMUTED",
  })
  void convolution_2d_matchesDirectLoops(int n, int c, int h, int wd, int oc, int k, int stride,
      int pad, int dil, int groups, boolean withBias, Tensors.Layout layout) {
    Tensor x = random(n * 31L + c, layout, n, c, h, wd);
    Tensor w = random(oc * 17L + k, layout == SLICED ? PERMUTED : CONTIGUOUS, oc, c / groups, k,
        k);
    Tensor bias = withBias ? random(oc, SLICED, oc) : null;
    int oh = (h + 2 * pad - dil * (k - 1) - 1) / stride + 1;
    int ow = (wd + 2 * pad - dil * (k - 1) - 1) / stride + 1;
    long[] outShape = {n, oc, oh, ow};
    Tensor out = poisoned(DType.FLOAT32, layout == PERMUTED ? SLICED : CONTIGUOUS, outShape);
    String sv = "[" + stride + ", " + stride + "]";
    run("aten.convolution.default", List.of("x", "w", withBias ? "b" : "None", sv,
        "[" + pad + ", " + pad + "]", "[" + dil + ", " + dil + "]", "False", "[0, 0]",
        Integer.toString(groups)), List.of("o"), named("x", x, "w", w, "b", bias, "o", out));
    int[] s = {stride, stride};
    int[] p = {pad, pad};
    int[] d = {dil, dil};
    assertReduction(convReference(x, w, bias, s, p, d, groups, outShape), out, "conv2d");
    if (layout == CONTIGUOUS) {
      assertRanOnDnnl(x, w, bias, longs(s), longs(p), longs(d), groups, out);
    } else if (Dnnl.available()) {
      // batch innermost (PERMUTED) or a stride-2 row (SLICED): oneDNN has only its reference
      // kernels for those, and leaves them to im2col
      assertEquals("refused", DnnlConv.implementation(x, w, bias, longs(s), longs(p), longs(d),
          groups, out));
    }
  }

  private static long[] longs(int[] v) {
    return new long[] {v[0], v[1]};
  }

  /** The call above went to oneDNN (where it loaded), on one of its optimized kernels. */
  private static void assertRanOnDnnl(Tensor x, Tensor w, Tensor bias, long[] s, long[] p,
      long[] d, int groups, Tensor out) {
    if (Dnnl.available()) {
      String impl = DnnlConv.implementation(x, w, bias, s, p, d, groups, out);
      assertFalse(impl.equals("none") || impl.equals("refused") || impl.startsWith("ref"),
          impl);
    }
  }

  @ParameterizedTest
  @CsvSource({
      // n, c, h, w, oc, k, stride, pad, dilation, groups, bias, channels-last input,
      // model weight (reordered once into oneDNN's layout)
      "2, 16, 12, 12, 32, 3, 1, 1, 1, 1, true, true, false",
      // 12 channels: a model's 3x3 weight of 16 or more would go to WinogradConv instead
      "2, 12, 12, 12, 32, 3, 1, 1, 1, 1, false, true, true",
      "1, 8, 9, 11, 8, 3, 1, 1, 1, 8, true, true, true", // depthwise
      "1, 8, 9, 11, 8, 3, 2, 1, 1, 8, false, false, false", // depthwise, NCHW
      "2, 12, 10, 10, 18, 3, 1, 1, 1, 3, true, true, true", // groups
      "2, 12, 10, 10, 18, 3, 1, 1, 1, 3, false, false, true",
      "1, 8, 15, 15, 16, 3, 1, 2, 2, 1, true, true, true", // dilation
      "1, 8, 15, 15, 16, 3, 1, 3, 3, 1, false, false, false",
      "2, 6, 17, 13, 10, 5, 3, 2, 1, 1, true, true, true", // stride and padding
      "2, 6, 17, 13, 10, 4, 2, 3, 1, 2, false, false, true",
      "1, 3, 32, 32, 16, 7, 2, 3, 1, 1, false, true, true", // ResNet's stem, smaller
  })
  void convolution_onDnnl_matchesDirectLoops(int n, int c, int h, int wd, int oc, int k,
      int stride, int pad, int dil, int groups, boolean withBias, boolean nhwc,
      boolean modelWeight) {
    Tensor plain = random(n * 31L + c, CONTIGUOUS, n, c, h, wd);
    Tensor x = nhwc ? channelsLast(plain) : plain;
    Tensor w = random(oc * 17L + k, CONTIGUOUS, oc, c / groups, k, k);
    if (modelWeight) {
      KernelLibrary.cpu().markWeight(w);
    }
    Tensor bias = withBias ? random(oc, CONTIGUOUS, oc) : null;
    long oh = (h + 2L * pad - (long) dil * (k - 1) - 1) / stride + 1;
    long ow = (wd + 2L * pad - (long) dil * (k - 1) - 1) / stride + 1;
    long[] outShape = {n, oc, oh, ow};
    long[] s = {stride, stride};
    long[] p = {pad, pad};
    long[] d = {dil, dil};
    double[] expected = convReference(x, w, bias, new int[] {stride, stride},
        new int[] {pad, pad}, new int[] {dil, dil}, groups, outShape);
    double[] first = null;
    for (int round = 0; round < 2; round++) {
      // twice: the second call finds the primitive and (for a model weight) the copy made
      Tensor out = nhwc ? channelsLast(poisoned(outShape)) : poisoned(outShape);
      ConvPoolOps.conv2d(Parallel.shared(), x, w, bias, s, p, d, groups, out);
      assertReduction(expected, out, "conv2d on oneDNN, round " + round);
      assertRanOnDnnl(x, w, bias, s, p, d, groups, out);
      double[] got = out.toDoubleArray();
      if (first == null) {
        first = got;
      } else {
        assertArrayEquals(first, got);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
      // n, c, h, w, oc, k, stride, pad, bias, OHWI weights (else OIHW): Inductor's CPU layout
      // (ResNet-50's shapes, smaller)
      "2, 16, 32, 32, 32, 3, 1, 1, true, true",
      "2, 16, 32, 32, 32, 3, 1, 1, true, false",
      "2, 64, 16, 16, 256, 1, 1, 0, true, false",
      "1, 3, 64, 64, 64, 7, 2, 3, false, true",
      "1, 3, 64, 64, 64, 7, 2, 3, false, false",
      "1, 128, 32, 32, 256, 1, 2, 0, false, false",
      // digits-cnn's second convolution at batch 64: small per image, one product per batch
      "64, 16, 8, 8, 32, 3, 1, 1, true, true",
      "3, 64, 16, 16, 128, 1, 1, 0, false, false",
  })
  void convolution_channelsLast_matchesDirectLoops(int n, int c, int h, int wd, int oc, int k,
      int stride, int pad, boolean withBias, boolean ohwi) {
    Tensor x = channelsLast(random(n * 31L + c, CONTIGUOUS, n, c, h, wd));
    Tensor plain = random(oc * 17L + k, CONTIGUOUS, oc, c, k, k);
    Tensor w = ohwi ? channelsLast(plain) : plain;
    Tensor bias = withBias ? random(oc, SLICED, oc) : null;
    int oh = (h + 2 * pad - (k - 1) - 1) / stride + 1;
    int ow = (wd + 2 * pad - (k - 1) - 1) / stride + 1;
    long[] outShape = {n, oc, oh, ow};
    Tensor out = channelsLast(poisoned(outShape));
    assertEquals(Blas.available(), ConvChannelsLast.suits(x, w, out, 1));
    run("aten.convolution.default", List.of("x", "w", withBias ? "b" : "None",
        "[" + stride + ", " + stride + "]", "[" + pad + ", " + pad + "]", "[1, 1]", "False",
        "[0, 0]", "1"), List.of("o"), named("x", x, "w", w, "b", bias, "o", out));
    assertReduction(convReference(x, w, bias, new int[] {stride, stride}, new int[] {pad, pad},
        new int[] {1, 1}, 1, outShape), out, "conv2d channels-last");
  }

  /**
   * A depthwise 3x3 convolution of MobileNetV2's kind, 96 channels at 40x40 (1.4 M multiply-adds:
   * over a convolution's parallel size, under a product's), runs on every thread OpenMP offers,
   * and matches the direct loops.
   */
  @Test
  void convolution_midSizedDepthwise_runsOnEveryThread_andMatches() {
    long macs = 40L * 40 * 96 * 9;
    assertTrue(macs >= Dnnl.CONV_PARALLEL_WORK && macs < Dnnl.PARALLEL_WORK);
    Tensor x = channelsLast(random(61, CONTIGUOUS, 1, 96, 40, 40));
    Tensor w = random(62, CONTIGUOUS, 96, 1, 3, 3);
    long[] outShape = {1, 96, 40, 40};
    Tensor out = channelsLast(poisoned(outShape));
    NativeCompute.widestSinceLast();
    run("aten.convolution.default", List.of("x", "w", "None", "[1, 1]", "[1, 1]", "[1, 1]",
        "False", "[0, 0]", "96"), List.of("o"), named("x", x, "w", w, "o", out));
    if (Dnnl.available()) {
      assertEquals(Dnnl.threadsFor(Dnnl.PARALLEL_WORK), NativeCompute.widestSinceLast(),
          "a 1.4 M multiply-add convolution splits");
    }
    assertReduction(convReference(x, w, null, new int[] {1, 1}, new int[] {1, 1},
        new int[] {1, 1}, 96, outShape), out, "depthwise 3x3");
  }

  @Test
  void convolution_largeProducts_goToOpenBlasOnlyWithRowMajorOutputs() {
    Tensor w = random(1, CONTIGUOUS, 32, 16, 3, 3);
    Tensor out = poisoned(DType.FLOAT32, CONTIGUOUS, 2, 32, 32, 32);
    assertEquals(Blas.available(), ConvColumns.suitsBlas(32, 16 * 9, 32 * 32, w, out));
    Tensor strided = poisoned(DType.FLOAT32, SLICED, 2, 32, 32, 32);
    assertFalse(ConvColumns.suitsBlas(32, 16 * 9, 32 * 32, w, strided));
    assertFalse(ConvColumns.suitsBlas(16, 8 * 9, 64, w, out)); // digits-cnn sized
  }

  @Test
  void convolution_1d_runsAsHeightOne() {
    Tensor x = random(1, PERMUTED, 2, 3, 11);
    Tensor w = random(2, CONTIGUOUS, 4, 3, 3);
    Tensor out = poisoned(2, 4, 6);
    run("aten.convolution.default", List.of("x", "w", "None", "[2]", "[1]", "[1]", "False",
        "[0]", "1"), List.of("o"), named("x", x, "w", w, "o", out));
    double[] expected = convReference(x.unsqueeze(2), w.unsqueeze(2), null, new int[] {1, 2},
        new int[] {0, 1}, new int[] {1, 1}, 1, new long[] {2, 4, 1, 6});
    assertReduction(expected, out, "conv1d");
  }

  @Test
  void convolution_wrongOutputShapeOrChannels_isRejected() {
    Tensor x = random(1, CONTIGUOUS, 1, 3, 5, 5);
    Tensor w = random(2, CONTIGUOUS, 2, 3, 3, 3);
    List<String> args = List.of("x", "w", "None", "[1, 1]", "[0, 0]", "[1, 1]", "False",
        "[0, 0]", "1");
    assertThrows(KernelExecutionException.class, () -> run("aten.convolution.default", args,
        List.of("o"), named("x", x, "w", w, "o", poisoned(1, 2, 5, 5))));
    Tensor w4 = random(2, CONTIGUOUS, 2, 4, 3, 3);
    assertThrows(KernelExecutionException.class, () -> run("aten.convolution.default", args,
        List.of("o"), named("x", x, "w", w4, "o", poisoned(1, 2, 3, 3))));
  }

  @ParameterizedTest
  @CsvSource({
      // k, stride, pad, dilation, ceil
      "2, 2, 0, 1, false",
      "3, 2, 1, 1, false",
      "3, 2, 1, 1, true",
      "2, 1, 1, 2, false",
      "3, 3, 0, 1, true",
  })
  void maxPool_matchesWindowLoopsWithIndices(int k, int s, int p, int d, boolean ceil) {
    Tensor x = random(k * 10L + s, SLICED, 2, 3, 9, 8);
    long oh = outSize(9, k, s, p, d, ceil);
    long ow = outSize(8, k, s, p, d, ceil);
    Tensor out = poisoned(2, 3, oh, ow);
    Tensor idx = poisoned(DType.INT64, CONTIGUOUS, 2, 3, oh, ow);
    run("aten.max_pool2d_with_indices.default", List.of("x", "[" + k + ", " + k + "]",
        "[" + s + ", " + s + "]", "[" + p + ", " + p + "]", "[" + d + ", " + d + "]",
        ceil ? "True" : "False"), List.of("o", "i"), named("x", x, "o", out, "i", idx));
    double[] ev = new double[(int) out.numel()];
    long[] ei = new long[ev.length];
    int q = 0;
    for (int n = 0; n < 2; n++) {
      for (int c = 0; c < 3; c++) {
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++, q++) {
            ev[q] = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < k; a++) {
              for (int b = 0; b < k; b++) {
                long h = (long) i * s - p + (long) a * d;
                long w = (long) j * s - p + (long) b * d;
                if (h >= 0 && h < 9 && w >= 0 && w < 8 && x.get(n, c, h, w) > ev[q]) {
                  ev[q] = x.get(n, c, h, w);
                  ei[q] = h * 8 + w;
                }
              }
            }
          }
        }
      }
    }
    assertReduction(ev, out, "max pool");
    assertArrayEquals(ei, idx.toLongArray());
  }

  @ParameterizedTest
  @CsvSource({
      // k, stride, pad, ceil, countIncludePad, divisor
      "2, 2, 0, false, true, None",
      "3, 2, 1, false, true, None",
      "3, 2, 1, true, false, None",
      "3, 2, 1, false, true, 4",
  })
  void avgPool_matchesWindowLoops(int k, int s, int p, boolean ceil, boolean countPad,
      String divisor) {
    Tensor x = random(k * 7L + p, PERMUTED, 1, 2, 7, 6);
    long oh = outSize(7, k, s, p, 1, ceil);
    long ow = outSize(6, k, s, p, 1, ceil);
    Tensor out = poisoned(DType.FLOAT32, SLICED, 1, 2, oh, ow);
    run("aten.avg_pool2d.default", List.of("x", "[" + k + ", " + k + "]", "[" + s + "]",
        "[" + p + ", " + p + "]", ceil ? "True" : "False", countPad ? "True" : "False", divisor),
        List.of("o"), named("x", x, "o", out));
    double[] ev = new double[(int) out.numel()];
    int q = 0;
    for (int c = 0; c < 2; c++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++, q++) {
          double sum = 0;
          int inside = 0;
          int padded = 0;
          for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
              long h = (long) i * s - p + a;
              long w = (long) j * s - p + b;
              if (h < 7 + p && w < 6 + p) {
                padded++; // positions inside the padded input count when count_include_pad
              }
              if (h >= 0 && h < 7 && w >= 0 && w < 6) {
                sum += x.get(0, c, h, w);
                inside++;
              }
            }
          }
          int div = divisor.equals("None") ? (countPad ? padded : inside)
              : Integer.parseInt(divisor);
          ev[q] = sum / div;
        }
      }
    }
    assertReduction(ev, out, "avg pool");
  }

  @Test
  void adaptiveAvgPool_unevenBins_matchReference() {
    Tensor x = random(3, SLICED, 2, 7, 5);
    Tensor out = poisoned(2, 3, 2);
    run("aten._adaptive_avg_pool2d.default", List.of("x", "[3, 2]"), List.of("o"),
        named("x", x, "o", out));
    double[] ev = new double[12];
    int q = 0;
    for (int c = 0; c < 2; c++) {
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 2; j++, q++) {
          int h0 = i * 7 / 3;
          int h1 = ((i + 1) * 7 + 2) / 3;
          int w0 = j * 5 / 2;
          int w1 = ((j + 1) * 5 + 1) / 2;
          double sum = 0;
          for (int h = h0; h < h1; h++) {
            for (int w = w0; w < w1; w++) {
              sum += x.get(c, h, w);
            }
          }
          ev[q] = sum / ((h1 - h0) * (w1 - w0));
        }
      }
    }
    assertReduction(ev, out, "adaptive avg pool");
  }

  @Test
  void pool_badPaddingIsRejectedAtPrepare() {
    assertThrows(KernelArgumentException.class, () -> KernelLibrary.cpu().prepare(
        "aten.max_pool2d_with_indices.default", List.of("x", "[2, 2]", "[2, 2]", "[2, 2]",
            "[1, 1]", "False"), List.of("o", "i")));
  }

  private static long outSize(long in, long k, long s, long p, long d, boolean ceil) {
    long span = in + 2 * p - d * (k - 1) - 1;
    long o = (ceil ? Math.floorDiv(span + s - 1, s) : Math.floorDiv(span, s)) + 1;
    if (ceil && (o - 1) * s >= in + p) {
      o--;
    }
    return o;
  }
}
