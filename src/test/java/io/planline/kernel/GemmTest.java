package io.planline.kernel;

import static io.planline.kernel.Tensors.Layout.CONTIGUOUS;
import static io.planline.kernel.Tensors.Layout.PERMUTED;
import static io.planline.kernel.Tensors.Layout.SLICED;
import static io.planline.kernel.Tensors.assertReduction;
import static io.planline.kernel.Tensors.named;
import static io.planline.kernel.Tensors.poisoned;
import static io.planline.kernel.Tensors.random;
import static io.planline.kernel.Tensors.run;

import io.planline.ir.DType;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** mm, addmm, bmm and baddbmm against a plain triple loop, over strided operands. */
final class GemmTest {

  /** The reference: c[b][i][j] = beta * init + alpha * sum_k a[b][i][k] * w[b][k][j]. */
  static double[] reference(Tensor a, Tensor b, Tensor init, double beta, double alpha) {
    int batches = (int) a.size(0);
    int m = (int) a.size(1);
    int k = (int) a.size(2);
    int n = (int) b.size(2);
    double[] x = a.toDoubleArray();
    double[] y = b.toDoubleArray();
    double[] z = init == null ? null : init.toDoubleArray();
    double[] out = new double[batches * m * n];
    for (int p = 0; p < batches; p++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0;
          for (int q = 0; q < k; q++) {
            s += x[(p * m + i) * k + q] * y[(p * k + q) * n + j];
          }
          int o = (p * m + i) * n + j;
          out[o] = alpha * s + (beta == 0 || z == null ? 0 : beta * z[o]);
        }
      }
    }
    return out;
  }

  @Property(tries = 25)
  void addmm_randomShapesAndLayouts_matchesTripleLoop(
      @ForAll @IntRange(min = 1, max = 140) int m, @ForAll @IntRange(min = 1, max = 600) int n,
      @ForAll @IntRange(min = 1, max = 300) int k, @ForAll @IntRange(max = 2) int layoutA,
      @ForAll @IntRange(max = 2) int layoutB, @ForAll @DoubleRange(min = -2, max = 2) double beta,
      @ForAll @DoubleRange(min = -2, max = 2) double alpha) {
    Tensors.Layout[] layouts = Tensors.Layout.values();
    Tensor a = random(m * 7L + k, layouts[layoutA], m, k);
    Tensor b = random(n * 13L + k, layouts[layoutB], k, n);
    Tensor bias = random(5, CONTIGUOUS, n);
    Tensor out = poisoned(m, n);
    run("aten.addmm.default", List.of("bias", "a", "b", Double.toString(beta),
        Double.toString(alpha)), List.of("out"), named("bias", bias, "a", a, "b", b, "out", out));
    float fb = (float) beta;
    float fa = (float) alpha;
    assertReduction(reference(a.unsqueeze(0), b.unsqueeze(0), bias.expand(1, m, n), fb, fa), out,
        "addmm " + m + "x" + n + "x" + k);
  }

  /** The few-rows path (a batch-1 request through a linear layer) with every layout of B. */
  @Property(tries = 40)
  void addmm_fewRows_matchesTripleLoop(
      @ForAll @IntRange(min = 1, max = 4) int m, @ForAll @IntRange(min = 1, max = 300) int n,
      @ForAll @IntRange(min = 1, max = 200) int k, @ForAll @IntRange(max = 2) int layoutA,
      @ForAll @IntRange(max = 2) int layoutB, @ForAll @DoubleRange(min = -2, max = 2) double beta,
      @ForAll @DoubleRange(min = -2, max = 2) double alpha) {
    addmm_randomShapesAndLayouts_matchesTripleLoop(m, n, k, layoutA, layoutB, beta, alpha);
  }

  @Test
  void mm_transposedWeightAndSlicedOutput_matchesTripleLoop() {
    Tensor x = random(1, SLICED, 70, 300);
    Tensor w = random(2, CONTIGUOUS, 530, 300).transpose(0, 1);
    Tensor out = poisoned(DType.FLOAT32, SLICED, 70, 530);
    run("aten.mm.default", List.of("x", "w"), List.of("out"), named("x", x, "w", w, "out", out));
    assertReduction(reference(x.unsqueeze(0), w.unsqueeze(0), null, 0, 1), out, "mm");
  }

  @Test
  void addmm_betaZero_ignoresNaNBias() {
    Tensor bias = poisoned(4, 3);
    Tensor x = random(3, CONTIGUOUS, 4, 5);
    Tensor w = random(4, PERMUTED, 5, 3);
    Tensor out = poisoned(4, 3);
    run("aten.addmm.default", List.of("bias", "x", "w", "0", "1"), List.of("out"),
        named("bias", bias, "x", x, "w", w, "out", out));
    assertReduction(reference(x.unsqueeze(0), w.unsqueeze(0), null, 0, 1), out, "addmm beta 0");
  }

  @Test
  void addmm_emptyInnerDimension_givesScaledBias() {
    Tensor bias = random(6, CONTIGUOUS, 1, 3);
    Tensor out = poisoned(2, 3);
    run("aten.addmm.default", List.of("bias", "x", "w", "0.5", "1"), List.of("out"),
        named("bias", bias, "x", Tensor.allocate(DType.FLOAT32, 2, 0), "w",
            Tensor.allocate(DType.FLOAT32, 0, 3), "out", out));
    double[] b = bias.toDoubleArray();
    double[] expected = new double[6];
    for (int i = 0; i < 6; i++) {
      expected[i] = 0.5 * (float) b[i % 3];
    }
    assertReduction(expected, out, "addmm K=0");
  }

  @Test
  void bmm_attentionStyleTransposedKeys_matchesTripleLoop() {
    // q [B, T, D] @ k^T where k is stored [B, T, D]: the second operand has strides (T*D, 1, D)
    Tensor q = random(7, PERMUTED, 6, 40, 16);
    Tensor key = random(8, CONTIGUOUS, 6, 40, 16).transpose(1, 2);
    Tensor out = poisoned(6, 40, 40);
    run("aten.bmm.default", List.of("q", "k"), List.of("out"),
        named("q", q, "k", key, "out", out));
    assertReduction(reference(q, key, null, 0, 1), out, "bmm");
  }

  @Test
  void bmm_largeEnoughToRunInParallel_matchesTripleLoop() {
    Tensor a = random(9, SLICED, 3, 130, 260);
    Tensor b = random(10, CONTIGUOUS, 3, 260, 530);
    Tensor out = poisoned(3, 130, 530);
    run("aten.bmm.default", List.of("a", "b"), List.of("out"), named("a", a, "b", b, "out", out));
    assertReduction(reference(a, b, null, 0, 1), out, "bmm parallel");
  }

  @Test
  void baddbmm_broadcastSelf_matchesTripleLoop() {
    Tensor self = random(11, CONTIGUOUS, 1, 5);
    Tensor a = random(12, CONTIGUOUS, 2, 4, 3);
    Tensor b = random(13, PERMUTED, 2, 3, 5);
    Tensor out = poisoned(2, 4, 5);
    run("aten.baddbmm.default", List.of("s", "a", "b", "2.0", "-1.5"), List.of("out"),
        named("s", self, "a", a, "b", b, "out", out));
    assertReduction(reference(a, b, self.expand(2, 4, 5), 2.0, -1.5), out, "baddbmm");
  }

  @Test
  void gemm_serialAndParallel_agreeExactly() {
    Tensor a = random(14, CONTIGUOUS, 1, 200, 300);
    Tensor b = random(15, CONTIGUOUS, 1, 300, 700);
    Tensor serial = poisoned(1, 200, 700);
    Tensor parallel = poisoned(1, 200, 700);
    Gemm.runJava(new Parallel(1), a, b, serial, null, 0, 1, false);
    Gemm.runJava(Parallel.shared(), a, b, parallel, null, 0, 1, true);
    org.junit.jupiter.api.Assertions.assertTrue(
        Arrays.equals(serial.toDoubleArray(), parallel.toDoubleArray()));
  }

  @Test
  void openBlas_loadsOnLinuxX8664() {
    // the build machines (and CI) are linux-x86_64: the products above must have run on OpenBLAS
    org.junit.jupiter.api.Assumptions.assumeTrue(
        "amd64".equals(System.getProperty("os.arch")) && "Linux".equals(
            System.getProperty("os.name")));
    org.junit.jupiter.api.Assertions.assertTrue(Blas.available());
  }

  @Property(tries = 30)
  void openBlas_everyLayoutItTakes_matchesTripleLoop(@ForAll @IntRange(min = 1, max = 40) int m,
      @ForAll @IntRange(min = 1, max = 40) int k, @ForAll @IntRange(min = 1, max = 40) int n,
      @ForAll boolean transA, @ForAll boolean transB, @ForAll boolean withInit) {
    Tensor a = transA ? random(21, CONTIGUOUS, 2, k, m).transpose(1, 2)
        : random(21, CONTIGUOUS, 2, m, k);
    Tensor b = transB ? random(22, CONTIGUOUS, 2, n, k).transpose(1, 2)
        : random(22, CONTIGUOUS, 2, k, n);
    Tensor init = withInit ? random(23, CONTIGUOUS, n).expand(2, m, n) : null;
    Tensor out = poisoned(2, m, n);
    org.junit.jupiter.api.Assertions.assertTrue(Blas.tryRun(a, b, out, init, 0.5f, 2f)
        || !Blas.available());
    if (Blas.available()) {
      assertReduction(reference(a, b, init, withInit ? 0.5 : 0, 2), out, "openblas");
    }
  }

  @Test
  void openBlas_refusesWhatItCannotTake() {
    Tensor a = random(31, CONTIGUOUS, 1, 8, 12);
    // every other column: no unit stride in either dimension
    Tensor b = random(32, CONTIGUOUS, 1, 12, 20).asStrided(new long[] {1, 12, 10},
        new long[] {240, 20, 2}, 0);
    Tensor out = poisoned(1, 8, 10);
    org.junit.jupiter.api.Assertions.assertFalse(Blas.tryRun(a, b, out, null, 0, 1));
    Gemm.run(Parallel.shared(), a, b, out, null, 0, 1, true);
    assertReduction(reference(a, b, null, 0, 1), out, "java fallback");
  }
}
