package io.planline.kernel;

import static io.planline.kernel.Tensors.Layout.CONTIGUOUS;
import static io.planline.kernel.Tensors.Layout.PERMUTED;
import static io.planline.kernel.Tensors.Layout.SLICED;
import static io.planline.kernel.Tensors.assertReduction;
import static io.planline.kernel.Tensors.poisoned;
import static io.planline.kernel.Tensors.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The few-rows-times-a-weight route against the triple loop, and what it leaves to others. */
final class SmallProductsTest {

  private static Tensor weight(long seed, Tensors.Layout layout, int k, int n) {
    Tensor w = random(seed, layout, k, n);
    KernelLibrary.cpu().markWeight(w);
    return w.unsqueeze(0);
  }

  @Property(tries = 40)
  void weightOfAnyLayout_matchesTripleLoop(@ForAll @IntRange(min = 1, max = 4) int m,
      @ForAll @IntRange(min = 1, max = 90) int k, @ForAll @IntRange(min = 1, max = 90) int n,
      @ForAll @IntRange(max = 2) int layoutA, @ForAll @IntRange(max = 2) int layoutW,
      @ForAll boolean withBias, @ForAll @DoubleRange(min = -2, max = 2) double beta,
      @ForAll @DoubleRange(min = -2, max = 2) double alpha) {
    Tensors.Layout[] layouts = Tensors.Layout.values();
    Tensor a = random(m * 3L + k, layouts[layoutA], m, k).unsqueeze(0);
    Tensor w = weight(n * 5L + k, layouts[layoutW], k, n);
    Tensor init = withBias ? random(7, CONTIGUOUS, n).expand(1, m, n) : null;
    Tensor out = poisoned(io.planline.ir.DType.FLOAT32, SLICED, 1, m, n);
    float fb = (float) beta;
    float fa = (float) alpha;
    assertTrue(SmallProducts.tryRun(a, w, out, init, fb, fa));
    double[] expected = GemmTest.reference(a, w, init, withBias ? fb : 0, fa);
    assertReduction(expected, out, "small product " + m + "x" + k + "x" + n);
    // the Java rows, which the route above leaves to weights OpenBLAS cannot read
    Tensor java = poisoned(io.planline.ir.DType.FLOAT32, SLICED, 1, m, n);
    SmallProducts.javaRows(a, w, java, init, fb, fa);
    assertReduction(expected, java, "Java rows " + m + "x" + k + "x" + n);
  }

  /**
   * OpenBLAS's matrix-vector route takes a weight with a unit stride either way and strided rows
   * of a and c, and leaves what it cannot read to the Java rows, having written nothing.
   */
  @Test
  void matrixVectorRoute_takesEitherWeightLayout_andRefusesOthersUntouched() {
    Tensor a = random(12, SLICED, 1, 3, 40); // rows and elements strided
    for (Tensors.Layout layout : new Tensors.Layout[] {CONTIGUOUS, PERMUTED}) {
      Tensor w = weight(13, layout, 40, 24);
      Tensor init = random(14, CONTIGUOUS, 24).expand(1, 3, 24);
      Tensor out = poisoned(io.planline.ir.DType.FLOAT32, SLICED, 1, 3, 24);
      assertTrue(GemvRows.tryRun(a, w, out, init, 0.5f, -1.5f), layout.name());
      assertReduction(GemmTest.reference(a, w, init, 0.5f, -1.5f), out, layout.name());
    }
    // no bias: beta 0, and the NaN the output held must not survive (0 * NaN is NaN)
    Tensor w = weight(17, PERMUTED, 40, 24);
    Tensor fresh = poisoned(io.planline.ir.DType.FLOAT32, SLICED, 1, 3, 24);
    assertTrue(GemvRows.tryRun(a, w, fresh, null, 0f, 2f));
    assertReduction(GemmTest.reference(a, w, null, 0f, 2f), fresh, "no bias");
    // a weight whose elements are two apart both ways: no unit stride for sgemv
    Tensor spread = random(15, CONTIGUOUS, 40, 48).asStrided(new long[] {1, 40, 24},
        new long[] {0, 48, 2}, 0);
    Tensor untouched = poisoned(1, 3, 24);
    float[] before = untouched.toFloatArray();
    assertFalse(GemvRows.tryRun(a, spread, untouched, null, 0f, 1f));
    assertArrayEquals(before, untouched.toFloatArray(), "nothing written");
    Tensor heap = Tensor.heap(io.planline.ir.DType.FLOAT32, 1, 3, 24);
    assertFalse(GemvRows.tryRun(a, weight(16, CONTIGUOUS, 40, 24), heap, null, 0f, 1f),
        "an output on the Java heap");
  }

  @Test
  void secondCall_readsTheSameCopyAndGivesTheSameResult() {
    Tensor a = random(1, CONTIGUOUS, 1, 1, 64);
    Tensor w = weight(2, PERMUTED, 64, 128);
    Tensor first = poisoned(1, 1, 128);
    Tensor second = poisoned(1, 1, 128);
    assertTrue(SmallProducts.tryRun(a, w, first, null, 0f, 1f));
    assertTrue(SmallProducts.tryRun(a, w, second, null, 0f, 1f));
    assertArrayEquals(first.toFloatArray(), second.toFloatArray());
  }

  @Test
  void twoViewsOfOneWeight_eachGetItsOwnRows() {
    Tensor stored = random(3, CONTIGUOUS, 16, 20);
    KernelLibrary.cpu().markWeight(stored);
    Tensor left = stored.narrow(1, 0, 10).unsqueeze(0);
    Tensor right = stored.narrow(1, 10, 10).unsqueeze(0);
    Tensor a = random(4, CONTIGUOUS, 1, 2, 16);
    Tensor outLeft = poisoned(1, 2, 10);
    Tensor outRight = poisoned(1, 2, 10);
    assertTrue(SmallProducts.tryRun(a, left, outLeft, null, 0f, 1f));
    assertTrue(SmallProducts.tryRun(a, right, outRight, null, 0f, 1f));
    assertReduction(GemmTest.reference(a, left, null, 0, 1), outLeft, "left half");
    assertReduction(GemmTest.reference(a, right, null, 0, 1), outRight, "right half");
  }

  @Test
  void leavesActivationsManyRowsAndLargeProducts_toTheOtherRoutes() {
    Tensor a = random(5, CONTIGUOUS, 1, 1, 32);
    Tensor notWeight = random(6, SLICED, 32, 8).unsqueeze(0);
    assertFalse(SmallProducts.tryRun(a, notWeight, poisoned(1, 1, 8), null, 0f, 1f));
    Tensor manyRows = random(7, CONTIGUOUS, 1, SmallProducts.MAX_M + 1, 32);
    Tensor w = weight(8, CONTIGUOUS, 32, 8);
    assertFalse(SmallProducts.tryRun(manyRows, w, poisoned(1, SmallProducts.MAX_M + 1, 8), null,
        0f, 1f));
    int k = (int) (SmallProducts.MAX_MACS / 64) + 1;
    Tensor wide = weight(9, CONTIGUOUS, k, 64);
    assertFalse(SmallProducts.tryRun(random(10, CONTIGUOUS, 1, 1, k), wide, poisoned(1, 1, 64),
        null, 0f, 1f));
    Tensor twoBatches = random(11, CONTIGUOUS, 2, 1, 32);
    assertFalse(SmallProducts.tryRun(twoBatches, w.expand(2, 32, 8), poisoned(2, 1, 8), null,
        0f, 1f));
  }
}
