package io.planline.kernel;

import static io.planline.kernel.Tensors.Layout.CONTIGUOUS;
import static io.planline.kernel.Tensors.Layout.PERMUTED;
import static io.planline.kernel.Tensors.Layout.SLICED;
import static io.planline.kernel.Tensors.assertReduction;
import static io.planline.kernel.Tensors.forEachIndex;
import static io.planline.kernel.Tensors.named;
import static io.planline.kernel.Tensors.poisoned;
import static io.planline.kernel.Tensors.random;
import static io.planline.kernel.Tensors.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.planline.ir.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** softmax, log-softmax, layer norm and inference batch norm against index-by-index references. */
final class NormOpsTest {

  /** softmax of {@code in} along {@code dim}, visiting each row through explicit indices. */
  static double[] softmaxReference(Tensor in, int dim, boolean log) {
    long[] shape = in.shape();
    double[] out = new double[(int) in.numel()];
    long[] strides = Tensor.contiguousStrides(shape);
    forEachIndex(shape, idx -> {
      if (idx[dim] != 0) {
        return;
      }
      long[] j = idx.clone();
      double max = Double.NEGATIVE_INFINITY;
      for (j[dim] = 0; j[dim] < shape[dim]; j[dim]++) {
        max = Math.max(max, in.get(j));
      }
      double sum = 0;
      for (j[dim] = 0; j[dim] < shape[dim]; j[dim]++) {
        sum += Math.exp(in.get(j) - max);
      }
      for (j[dim] = 0; j[dim] < shape[dim]; j[dim]++) {
        long flat = 0;
        for (int d = 0; d < shape.length; d++) {
          flat += j[d] * strides[d];
        }
        double e = in.get(j) - max;
        out[(int) flat] = log ? e - Math.log(sum) : Math.exp(e) / sum;
      }
    });
    return out;
  }

  @Test
  void softmax_everyDimAndLayout_matchesReference() {
    for (Tensors.Layout layout : Tensors.Layout.values()) {
      Tensor in = random(layout.ordinal(), layout, 3, 4, 6);
      for (int dim = -3; dim < 3; dim++) {
        for (boolean log : new boolean[] {false, true}) {
          Tensor out = poisoned(DType.FLOAT32, layout, 3, 4, 6);
          String op = log ? "aten._log_softmax.default" : "aten._softmax.default";
          run(op, List.of("x", Integer.toString(dim), "False"), List.of("o"),
              named("x", in, "o", out));
          assertReduction(softmaxReference(in, Math.floorMod(dim, 3), log), out,
              op + " dim " + dim + " " + layout);
        }
      }
    }
  }

  @Test
  void softmax_fullyMaskedRow_isNaNLikeATen() {
    double inf = Double.NEGATIVE_INFINITY;
    Tensor in = Tensors.withValues(new double[] {inf, inf, 0, inf}, DType.FLOAT32, CONTIGUOUS,
        2, 2);
    Tensor out = poisoned(2, 2);
    run("aten._softmax.default", List.of("x", "-1", "False"), List.of("o"),
        named("x", in, "o", out));
    assertReduction(new double[] {Double.NaN, Double.NaN, 1, 0}, out, "masked softmax");
  }

  @Test
  void layerNorm_trailingDimsWithAndWithoutAffine_matchesReference() {
    Tensor in = random(4, PERMUTED, 2, 5, 3, 8);
    Tensor w = random(5, SLICED, 3, 8);
    Tensor b = random(6, CONTIGUOUS, 3, 8);
    for (boolean affine : new boolean[] {true, false}) {
      Tensor out = poisoned(DType.FLOAT32, SLICED, 2, 5, 3, 8);
      Tensor mean = poisoned(2, 5, 1, 1);
      Tensor rstd = poisoned(2, 5, 1, 1);
      run("aten.native_layer_norm.default", List.of("x", "[3, 8]", affine ? "w" : "None",
          affine ? "b" : "None", "1e-05"), List.of("o", "m", "r"),
          named("x", in, "w", w, "b", b, "o", out, "m", mean, "r", rstd));
      double[] eo = new double[2 * 5 * 24];
      double[] em = new double[10];
      double[] er = new double[10];
      for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 5; j++) {
          double s = 0;
          double sq = 0;
          for (int k = 0; k < 3; k++) {
            for (int l = 0; l < 8; l++) {
              s += in.get(i, j, k, l);
            }
          }
          double mu = s / 24;
          for (int k = 0; k < 3; k++) {
            for (int l = 0; l < 8; l++) {
              sq += Math.pow(in.get(i, j, k, l) - mu, 2);
            }
          }
          double r = 1 / Math.sqrt(sq / 24 + 1e-5);
          em[i * 5 + j] = mu;
          er[i * 5 + j] = r;
          for (int k = 0; k < 3; k++) {
            for (int l = 0; l < 8; l++) {
              double v = (in.get(i, j, k, l) - mu) * r;
              eo[((i * 5 + j) * 3 + k) * 8 + l] = affine ? v * w.get(k, l) + b.get(k, l) : v;
            }
          }
        }
      }
      assertReduction(eo, out, "layer norm out, affine " + affine);
      assertReduction(em, mean, "layer norm mean");
      assertReduction(er, rstd, "layer norm rstd");
    }
  }

  @Test
  void batchNormInference_perChannelAffine_matchesReference() {
    Tensor in = random(7, PERMUTED, 2, 3, 4, 5);
    Tensor w = random(8, CONTIGUOUS, 3);
    Tensor b = random(9, SLICED, 3);
    Tensor mean = random(10, CONTIGUOUS, 3);
    Tensor var = Tensors.withValues(new double[] {0.5, 1.5, 2.25}, DType.FLOAT32, CONTIGUOUS, 3);
    Tensor out = poisoned(DType.FLOAT32, SLICED, 2, 3, 4, 5);
    Tensor saveMean = poisoned(0);
    Tensor saveRstd = poisoned(0);
    run("aten._native_batch_norm_legit_no_training.default",
        List.of("x", "w", "b", "rm", "rv", "0.1", "1e-05"), List.of("o", "sm", "sr"),
        named("x", in, "w", w, "b", b, "rm", mean, "rv", var, "o", out, "sm", saveMean,
            "sr", saveRstd));
    double[] expected = new double[(int) in.numel()];
    int[] i = {0};
    forEachIndex(in.shape(), idx -> {
      int c = (int) idx[1];
      expected[i[0]++] = (in.get(idx) - mean.get(c)) / Math.sqrt(var.get(c) + 1e-5) * w.get(c)
          + b.get(c);
    });
    assertReduction(expected, out, "batch norm");
    assertEquals(0, saveMean.numel());
  }

  @Test
  void batchNorm_noAffine_sizedStatisticsAreWritten() {
    Tensor in = random(11, CONTIGUOUS, 4, 2);
    Tensor mean = random(12, CONTIGUOUS, 2);
    Tensor var = Tensors.withValues(new double[] {1, 4}, DType.FLOAT32, CONTIGUOUS, 2);
    Tensor out = poisoned(4, 2);
    Tensor sm = poisoned(2);
    Tensor sr = poisoned(2);
    run("aten._native_batch_norm_legit_no_training.default",
        List.of("x", "None", "None", "rm", "rv", "0.1", "0.0"), List.of("o", "sm", "sr"),
        named("x", in, "rm", mean, "rv", var, "o", out, "sm", sm, "sr", sr));
    double[] expected = new double[8];
    for (int r = 0; r < 4; r++) {
      for (int c = 0; c < 2; c++) {
        expected[r * 2 + c] = (in.get(r, c) - mean.get(c)) / Math.sqrt(var.get(c));
      }
    }
    assertReduction(expected, out, "batch norm 1d");
    assertReduction(mean.toDoubleArray(), sm, "save mean");
    assertReduction(new double[] {1, 0.5}, sr, "save rstd");
  }
}
