package io.planline.kernel;

import static io.planline.kernel.Tensors.Layout.CONTIGUOUS;
import static io.planline.kernel.Tensors.Layout.SLICED;
import static io.planline.kernel.Tensors.assertReduction;
import static io.planline.kernel.Tensors.poisoned;
import static io.planline.kernel.Tensors.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * oneDNN's products against the triple loop of {@link GemmTest}, calling {@link DnnlProducts}
 * directly so that a product oneDNN silently declined would fail here rather than pass on
 * OpenBLAS. Runs where oneDNN's natives load (linux-x86_64, as on CI).
 */
final class DnnlProductsTest {

  @BeforeEach
  void needsOneDnn() {
    assumeTrue(Dnnl.available(), "oneDNN's natives did not load here");
  }

  @Property(tries = 30)
  void layoutsBiasAndSum_matchTripleLoop(
      @ForAll @IntRange(min = 1, max = 3) int batches, @ForAll @IntRange(min = 1, max = 90) int m,
      @ForAll @IntRange(min = 20, max = 200) int n, @ForAll @IntRange(min = 1, max = 150) int k,
      @ForAll @IntRange(max = 1) int layoutA, @ForAll @IntRange(max = 1) int layoutB,
      @ForAll @IntRange(max = 2) int self, @ForAll boolean weight) {
    Tensor a = matrices(m * 7L + k, layoutA == 1, batches, m, k);
    // a weight is shared by every batch index (stride 0), as a linear layer's is
    Tensor b = weight ? matrices(n * 13L + k, layoutB == 1, 1, k, n).expand(batches, k, n)
        : matrices(n * 13L + k, layoutB == 1, batches, k, n);
    if (weight) {
      KernelLibrary.cpu().markWeight(b);
    }
    // self: none, a bias row (beta 1), or a full matrix scaled by 0.5
    Tensor init = switch (self) {
      case 0 -> null;
      case 1 -> random(5, CONTIGUOUS, 1, 1, n).expand(batches, m, n);
      default -> random(9, SLICED, batches, m, n);
    };
    float beta = self == 2 ? 0.5f : 1f;
    Tensor out = poisoned(batches, m, n);
    boolean large = (long) batches * m * n * k >= DnnlProducts.MIN_MACS;
    // one row with a summed self goes to OpenBLAS: oneDNN 3.11.0's sum post-op corrupted the C
    // heap there (DnnlProducts)
    boolean taken = large && !(m == 1 && self == 2);
    assertEquals(taken, DnnlProducts.tryRun(a, b, out, init, beta, 1f),
        "oneDNN takes the products of " + DnnlProducts.MIN_MACS + " multiply-adds and more, "
            + "but for one row with a summed self");
    if (!taken) {
      assertTrue(Float.isNaN(out.floats().get(0)), "a product left to OpenBLAS is not written");
      return;
    }
    assertReduction(GemmTest.reference(a, b, init, init == null ? 0 : beta, 1), out,
        "product " + batches + "x" + m + "x" + n + "x" + k);
  }

  /** [batches, rows, cols] of random values, each matrix row-major or column-major. */
  private static Tensor matrices(long seed, boolean columnMajor, long batches, long rows,
      long cols) {
    return columnMajor ? random(seed, CONTIGUOUS, batches, cols, rows).transpose(1, 2)
        : random(seed, CONTIGUOUS, batches, rows, cols);
  }

  @Test
  void packedWeight_isMadeOnceAndServesEveryCall() {
    Tensor w = matrices(3, true, 1, 64, 96);
    KernelLibrary.cpu().markWeight(w);
    Tensor bias = random(4, CONTIGUOUS, 1, 1, 96);
    long before = DnnlWeights.bytes();
    for (int call = 0; call < 3; call++) {
      Tensor x = random(100 + call, CONTIGUOUS, 1, 32, 64);
      Tensor out = poisoned(1, 32, 96);
      Tensor init = bias.expand(1, 32, 96);
      assertTrue(DnnlProducts.tryRun(x, w, out, init, 1f, 1f));
      assertReduction(GemmTest.reference(x, w, init, 1, 1), out, "call " + call);
    }
    long made = DnnlWeights.bytes() - before;
    assertTrue(made >= 64 * 96 * 4, "one packed copy was made, " + made + " bytes");
    Tensor x = random(7, CONTIGUOUS, 1, 32, 64);
    DnnlProducts.tryRun(x, w, poisoned(1, 32, 96), null, 0f, 1f);
    // the same layout (another primitive, no self) reuses the copy, or makes one of its own
    // layout only if oneDNN chose another
    assertTrue(DnnlWeights.bytes() - before <= 2 * made);
  }

  @Test
  void productsFromTheParallelSize_runOnEveryThread_andMatch() {
    assertEquals(1, Dnnl.threadsFor(Dnnl.PARALLEL_WORK - 1, 2));
    assertEquals(2, Dnnl.threadsFor(Dnnl.PARALLEL_WORK, 2));
    // tiny-gpt [8,64]'s 512x128x256 (2^24 multiply-adds): on every core OpenMP offers
    Tensor w = matrices(21, true, 1, 128, 256);
    KernelLibrary.cpu().markWeight(w);
    Tensor bias = random(22, CONTIGUOUS, 1, 1, 256).expand(1, 512, 256);
    Tensor x = random(23, CONTIGUOUS, 1, 512, 128);
    Tensor out = poisoned(1, 512, 256);
    assertTrue(DnnlProducts.tryRun(x, w, out, bias, 1f, 1f));
    assertReduction(GemmTest.reference(x, w, bias, 1, 1), out, "512x128x256");
  }

  /**
   * One row over a weight too large to stream from one core (ResNet-50's classifier, 1x2048x1000:
   * 2^21 multiply-adds, under the parallel size) counts as its weight's reading and runs on
   * every core, with the same answer (its contiguous one-row bias as a bias); the same row over a
   * small weight stays on one thread.
   */
  @Test
  void oneRowOverALargeWeight_runsOnEveryThread_andMatches() {
    assertEquals(1L << 21, Dnnl.productWork(1L << 21, 1));
    assertEquals(2048L * 1000 * Dnnl.WORK_PER_WEIGHT_ELEMENT,
        Dnnl.productWork(2048L * 1000, 2048L * 1000));
    Tensor w = matrices(41, true, 1, 2048, 1000);
    KernelLibrary.cpu().markWeight(w);
    Tensor bias = random(42, CONTIGUOUS, 1, 1, 1000);
    Tensor x = random(43, CONTIGUOUS, 1, 1, 2048);
    Tensor out = poisoned(1, 1, 1000);
    NativeCompute.widestSinceLast();
    assertTrue(DnnlProducts.tryRun(x, w, out, bias, 1f, 1f));
    assertEquals(Dnnl.threadsFor(Dnnl.PARALLEL_WORK), NativeCompute.widestSinceLast(),
        "a one-row product over 2048x1000 splits");
    assertReduction(GemmTest.reference(x, w, bias, 1, 1), out, "1x2048x1000");
    // a one-row self that is not a bias (beta 0.5) is left to OpenBLAS, whose sum post-op on
    // this shape corrupted the C heap (DnnlProducts says how), and nothing is written
    Tensor scaled = poisoned(1, 1, 1000);
    assertFalse(DnnlProducts.tryRun(x, w, scaled, bias, 0.5f, 1f));
    assertTrue(Double.isNaN(scaled.get(0, 0, 0)) && Double.isNaN(scaled.get(0, 0, 999)),
        "left unwritten");
    Tensor small = matrices(44, true, 1, 2048, 16);
    KernelLibrary.cpu().markWeight(small);
    Tensor narrow = poisoned(1, 1, 16);
    assertTrue(DnnlProducts.tryRun(x, small, narrow, null, 0f, 1f));
    assertEquals(1, NativeCompute.widestSinceLast(), "1x2048x16 stays on one thread");
    assertReduction(GemmTest.reference(x, small, null, 0, 1), narrow, "1x2048x16");
  }

  /**
   * A product large enough for every core runs on one thread inside {@code
   * NativeCompute.oneThreadEach}, on a primitive made for one thread (oneDNN keeps the division of
   * work it made at creation, so the split primitive must not serve it), with the same answer
   * within a reduction's rounding; outside, the same product splits again.
   */
  @Test
  void largeProduct_heldToOneThread_runsOnOne_andMatches() throws Exception {
    Tensor w = matrices(31, true, 1, 128, 256);
    KernelLibrary.cpu().markWeight(w);
    Tensor x = random(33, CONTIGUOUS, 1, 512, 128);
    Tensor wide = poisoned(1, 512, 256);
    NativeCompute.widestSinceLast();
    assertTrue(DnnlProducts.tryRun(x, w, wide, null, 0f, 1f));
    assertEquals(Dnnl.threadsFor(Dnnl.PARALLEL_WORK), NativeCompute.widestSinceLast());
    Tensor narrow = poisoned(1, 512, 256);
    assertTrue(NativeCompute.oneThreadEach(() -> DnnlProducts.tryRun(x, w, narrow, null, 0f, 1f)));
    assertEquals(1, NativeCompute.widestSinceLast(), "held to one thread");
    assertReduction(GemmTest.reference(x, w, null, 0, 1), narrow, "512x128x256 on one thread");
    assertReduction(GemmTest.reference(x, w, null, 0, 1), wide, "512x128x256 on every core");
    assertTrue(DnnlProducts.tryRun(x, w, wide, null, 0f, 1f));
    assertEquals(Dnnl.threadsFor(Dnnl.PARALLEL_WORK), NativeCompute.widestSinceLast(),
        "split again outside");
  }

  @Test
  void weightWithAMatrixPerBatchIndex_isPackedOnce_andMatches() {
    Tensor w = matrices(21, false, 6, 64, 48);
    KernelLibrary.cpu().markWeight(w);
    long before = DnnlWeights.bytes();
    for (int call = 0; call < 2; call++) {
      Tensor x = random(30 + call, CONTIGUOUS, 6, 20, 64);
      Tensor out = poisoned(6, 20, 48);
      assertTrue(DnnlProducts.tryRun(x, w, out, null, 0f, 1f));
      assertReduction(GemmTest.reference(x, w, null, 0, 1), out, "call " + call);
    }
    long made = DnnlWeights.bytes() - before;
    assertTrue(made >= 6 * 64 * 48 * 4 && made < 2 * 6 * 64 * 48 * 4,
        "one packed copy of all six matrices was made, " + made + " bytes");
  }

  @Test
  void twoWeightsInOneBuffer_areEachPackedFromTheirOwnBytes() {
    Tensor both = random(11, CONTIGUOUS, 2, 48, 40);
    KernelLibrary.cpu().markWeight(both);
    Tensor first = both.narrow(0, 0, 1);
    Tensor second = both.narrow(0, 1, 1);
    Tensor x = random(12, CONTIGUOUS, 1, 20, 48);
    for (Tensor w : new Tensor[] {first, second, first}) {
      Tensor out = poisoned(1, 20, 40);
      assertTrue(DnnlProducts.tryRun(x, w, out, null, 0f, 1f));
      assertReduction(GemmTest.reference(x, w, null, 0, 1), out, "weight at " + w.byteOffset());
    }
  }

  @Test
  void alphaOtherThanOne_isLeftToTheCallerAndNothingIsWritten() {
    Tensor a = random(1, CONTIGUOUS, 1, 32, 32);
    Tensor b = random(2, CONTIGUOUS, 1, 32, 32);
    Tensor out = poisoned(1, 32, 32);
    assertTrue(DnnlProducts.tryRun(a, b, poisoned(1, 32, 32), null, 0f, 1f));
    assertFalse(DnnlProducts.tryRun(a, b, out, null, 0f, 2f));
    assertTrue(Float.isNaN(out.floats().get(0)), "output untouched");
  }

  @Test
  void steppedColumns_areLeftToTheCaller() {
    // SLICED steps the last dimension by 2: neither row- nor column-major
    Tensor a = random(1, SLICED, 1, 40, 30);
    Tensor b = random(2, CONTIGUOUS, 1, 30, 40);
    assertFalse(DnnlProducts.tryRun(a, b, poisoned(1, 40, 40), null, 0f, 1f));
  }

  @Test
  void heapOperands_areLeftToTheCaller() {
    Tensor a = Tensor.heap(io.planline.ir.DType.FLOAT32, 1, 32, 32);
    Tensor b = random(2, CONTIGUOUS, 1, 32, 32);
    assertFalse(DnnlProducts.tryRun(a, b, poisoned(1, 32, 32), null, 0f, 1f));
  }

  @Test
  void transposedOutput_isLeftToTheCaller() {
    Tensor a = random(1, CONTIGUOUS, 1, 40, 30);
    Tensor b = random(2, CONTIGUOUS, 1, 30, 40);
    Tensor out = poisoned(1, 40, 40).transpose(1, 2);
    assertFalse(DnnlProducts.tryRun(a, b, out, null, 0f, 1f));
    assertTrue(Float.isNaN(out.floats().get(0)), "output untouched");
  }
}
