package io.planline.kernel;

import static io.planline.kernel.Tensors.Layout.CONTIGUOUS;
import static io.planline.kernel.Tensors.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.planline.ir.DType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * A program step's convolution or product keeps its oneDNN primitive and packed weight between
 * calls ({@link DnnlSite}): later calls answer exactly as a call without it does, with new
 * activations, with another weight of the same shape, and on another thread.
 */
final class DnnlSiteTest {

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

  private static double[] convolve(Tensor x, Tensor w, Tensor bias,
      DnnlSite<DnnlConv.Primitive> site) {
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
    DnnlSite<DnnlConv.Primitive> site = new DnnlSite<>();
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
    DnnlSite<DnnlConv.Primitive> site = new DnnlSite<>();
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
    DnnlSite<DnnlConv.Primitive> site = new DnnlSite<>();
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

  /** x [1, 32, 64] @ w [1, 64, 48] (+ self): a product big enough for oneDNN. */
  private static double[] multiply(Tensor x, Tensor w, Tensor self, float beta,
      DnnlSite<DnnlProducts.Primitive> site) {
    Tensor out = Tensor.allocate(DType.FLOAT32, 1, 32, 48);
    assertTrue(DnnlProducts.tryRun(x, w, out, self, beta, 1f, site), "oneDNN took it");
    return out.toDoubleArray();
  }

  private static Tensor productWeight(long seed) {
    Tensor w = random(seed, CONTIGUOUS, 48, 64);
    KernelLibrary.cpu().markWeight(w);
    return w.transpose(0, 1).unsqueeze(0); // as Inductor passes a linear layer's weight
  }

  @Test
  void product_laterCalls_withAnotherWeight_orAnotherBeta_answerAsWithoutTheSite() {
    assumeTrue(Dnnl.available());
    Tensor first = productWeight(20);
    Tensor second = productWeight(21);
    Tensor row = random(22, CONTIGUOUS, 48).view(1, 1, 48).expand(1, 32, 48); // a bias
    Tensor full = random(23, CONTIGUOUS, 1, 32, 48); // summed by a post-op
    DnnlSite<DnnlProducts.Primitive> site = new DnnlSite<>();
    for (int i = 0; i < 3; i++) {
      Tensor x = random(30 + i, CONTIGUOUS, 1, 32, 64);
      assertArrayEquals(multiply(x, first, row, 1f, null), multiply(x, first, row, 1f, site));
      assertTrue(site.kept(), "a packed weight's product left its primitive");
      assertArrayEquals(multiply(x, second, row, 1f, null), multiply(x, second, row, 1f, site));
      assertArrayEquals(multiply(x, first, full, 0.5f, null),
          multiply(x, first, full, 0.5f, site));
      assertArrayEquals(multiply(x, first, full, 2f, null), multiply(x, first, full, 2f, site));
    }
  }

  @Test
  void product_onAnotherThread_answersAlike() throws Exception {
    assumeTrue(Dnnl.available());
    Tensor w = productWeight(24);
    Tensor row = random(25, CONTIGUOUS, 48).view(1, 1, 48).expand(1, 32, 48);
    Tensor x = random(26, CONTIGUOUS, 1, 32, 64);
    DnnlSite<DnnlProducts.Primitive> site = new DnnlSite<>();
    double[] here = multiply(x, w, row, 1f, site);
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      assertArrayEquals(here, other.submit(() -> multiply(x, w, row, 1f, site)).get());
      assertArrayEquals(here, multiply(x, w, row, 1f, site));
    } finally {
      other.shutdownNow();
    }
  }

  @Test
  void memo_isPerThread_andFitsOnlyItsWeightVariantAndLayouts() throws Exception {
    Tensor w = random(40, CONTIGUOUS, 4, 3);
    Tensor x = random(41, CONTIGUOUS, 2, 4);
    DnnlSite<String> site = new DnnlSite<>();
    org.bytedeco.javacpp.BytePointer packed = new org.bytedeco.javacpp.BytePointer();
    assertNull(site.fitting(1, w, x, w));
    site.keep(1, "main's", packed, w, x, w);
    assertEquals("main's", site.fitting(1, w, x, w).primitive());
    assertNull(site.fitting(2, w, x, w), "another variant");
    assertNull(site.fitting(1, random(42, CONTIGUOUS, 4, 3), x, w), "another weight");
    assertNull(site.fitting(1, w, random(43, CONTIGUOUS, 3, 4), w), "another layout");
    assertNull(site.fitting(1, w, x.transpose(0, 1).transpose(0, 1), null), "an operand less");
    java.util.concurrent.atomic.AtomicInteger strangers = new java.util.concurrent.atomic
        .AtomicInteger();
    int kept = DnnlSite.THREADS;
    for (int i = 0; i < kept; i++) { // as many more threads as are kept, less one; then one more
      String name = "other " + i;
      Thread t = new Thread(() -> {
        if (site.fitting(1, w, x, w) != null) {
          strangers.incrementAndGet(); // another thread's memo
        }
        site.keep(1, name, packed, w, x, w);
        if (!name.equals(site.fitting(1, w, x, w).primitive())) {
          strangers.incrementAndGet();
        }
      });
      t.start();
      t.join();
      if (i == kept - 2) {
        assertEquals("main's", site.fitting(1, w, x, w).primitive(),
            kept + " threads are kept");
      }
    }
    assertEquals(0, strangers.get(), "a thread found a memo not its own");
    assertNull(site.fitting(1, w, x, w), "the last thread replaced the oldest, this one's");
  }
}
