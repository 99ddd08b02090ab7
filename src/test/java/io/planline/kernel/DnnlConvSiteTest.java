package io.planline.kernel;

import static io.planline.kernel.Tensors.Layout.CONTIGUOUS;
import static io.planline.kernel.Tensors.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.planline.ir.DType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * A program step's convolution keeps its oneDNN primitive and packed weight between calls
 * ({@link DnnlConv.Site}): later calls answer exactly as a call without it does, with new
 * activations, with another weight of the same shape, and on another thread.
 */
final class DnnlConvSiteTest {

  private static final long[] ONE = {1, 1};

  /** A [2, 8, 7, 7] tensor laid out channels-last, as Inductor's CPU programs pass them. */
  private static Tensor channelsLast(long seed, long channels) {
    Tensor t = Tensor.allocate(DType.FLOAT32, 2, 7, 7, channels).permute(0, 3, 1, 2);
    IndexingOps.copy(random(seed, CONTIGUOUS, 2, channels, 7, 7), t, false);
    return t;
  }

  private static Tensor weight(long seed) {
    Tensor w = random(seed, CONTIGUOUS, 16, 8, 3, 3);
    KernelLibrary.cpu().markWeight(w);
    return w;
  }

  private static double[] convolve(Tensor x, Tensor w, Tensor bias, DnnlConv.Site site) {
    Tensor out = Tensor.allocate(DType.FLOAT32, 2, 7, 7, 16).permute(0, 3, 1, 2);
    assertTrue(DnnlConv.tryRun(x, w, bias, ONE, ONE, ONE, 1, out, ConvEpilogue.NONE, null,
        site), "oneDNN took it");
    return out.toDoubleArray();
  }

  @Test
  void laterCalls_answerAsWithoutTheSite() {
    assumeTrue(Dnnl.available());
    Tensor w = weight(3);
    Tensor bias = random(4, CONTIGUOUS, 16);
    DnnlConv.Site site = new DnnlConv.Site();
    assertFalse(site.kept());
    for (int i = 0; i < 3; i++) {
      Tensor x = channelsLast(10 + i, 8); // new activations at a new address each call
      assertArrayEquals(convolve(x, w, bias, null), convolve(x, w, bias, site));
      assertTrue(site.kept(), "the first call left its primitive");
    }
  }

  @Test
  void anotherWeight_ofTheSameShape_isTheOneUsed() {
    assumeTrue(Dnnl.available());
    Tensor first = weight(5);
    Tensor second = weight(6);
    Tensor bias = random(7, CONTIGUOUS, 16);
    Tensor x = channelsLast(8, 8);
    DnnlConv.Site site = new DnnlConv.Site();
    for (int i = 0; i < 2; i++) {
      assertArrayEquals(convolve(x, first, bias, null), convolve(x, first, bias, site));
      assertArrayEquals(convolve(x, second, bias, null), convolve(x, second, bias, site));
    }
  }

  @Test
  void anotherThread_answersAlike() throws Exception {
    assumeTrue(Dnnl.available());
    Tensor w = weight(9);
    Tensor bias = random(10, CONTIGUOUS, 16);
    Tensor x = channelsLast(11, 8);
    DnnlConv.Site site = new DnnlConv.Site();
    double[] here = convolve(x, w, bias, site);
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      for (int i = 0; i < 2; i++) {
        assertArrayEquals(here, other.submit(() -> convolve(x, w, bias, site)).get());
        assertArrayEquals(here, convolve(x, w, bias, site));
      }
    } finally {
      other.shutdownNow();
    }
  }
}
