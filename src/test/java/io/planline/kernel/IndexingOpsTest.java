package io.planline.kernel;

import static io.planline.kernel.Tensors.Layout.CONTIGUOUS;
import static io.planline.kernel.Tensors.Layout.PERMUTED;
import static io.planline.kernel.Tensors.Layout.SLICED;
import static io.planline.kernel.Tensors.assertElementwise;
import static io.planline.kernel.Tensors.forEachIndex;
import static io.planline.kernel.Tensors.named;
import static io.planline.kernel.Tensors.poisoned;
import static io.planline.kernel.Tensors.random;
import static io.planline.kernel.Tensors.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.DType;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Copies, cat, embedding, index_select and the tensor factories. */
final class IndexingOpsTest {

  @Test
  void cloneAndToCopy_everyLayout_copyValuesAndConvertDtype() {
    for (Tensors.Layout layout : Tensors.Layout.values()) {
      Tensor x = random(layout.ordinal(), layout, 3, 4, 5);
      Tensor out = poisoned(DType.FLOAT32, SLICED, 3, 4, 5);
      run("aten.clone.default", List.of("x", "torch.contiguous_format"), List.of("o"),
          named("x", x, "o", out));
      assertElementwise(x.toDoubleArray(), out, "clone " + layout);
      Tensor ints = poisoned(DType.INT64, layout, 3, 4, 5);
      run("aten._to_copy.default", List.of("x", "torch.int64", "None", "None", "None", "False",
          "None"), List.of("o"), named("x", x, "o", ints));
      double[] truncated = Arrays.stream(x.toDoubleArray()).map(v -> (long) (float) v).toArray();
      assertElementwise(truncated, ints, "to int64 " + layout);
      Tensor back = poisoned(3, 4, 5);
      run("aten._to_copy.default", List.of("i", "torch.float32", "None", "None", "None", "False",
          "None"), List.of("o"), named("i", ints, "o", back));
      assertElementwise(truncated, back, "to float32 " + layout);
    }
  }

  @Test
  void copy_broadcastsSourceIntoSelfShape() {
    Tensor self = poisoned(2, 3);
    Tensor src = random(1, CONTIGUOUS, 3);
    Tensor out = poisoned(DType.FLOAT32, PERMUTED, 2, 3);
    run("aten.copy.default", List.of("self", "src", "False"), List.of("o"),
        named("self", self, "src", src, "o", out));
    double[] s = src.toDoubleArray();
    assertElementwise(new double[] {s[0], s[1], s[2], s[0], s[1], s[2]}, out, "copy");
  }

  @Test
  void cat_mixedLayoutsAlongEachDim_matchesReference() {
    for (int dim = -3; dim < 3; dim++) {
      int d = Math.floorMod(dim, 3);
      long[] sa = {2, 3, 4};
      long[] sb = {2, 3, 4};
      sb[d] = 5;
      long[] so = sa.clone();
      so[d] = sa[d] + sb[d] + sa[d];
      Tensor a = random(2, PERMUTED, sa);
      Tensor b = random(3, SLICED, sb);
      Tensor out = poisoned(DType.FLOAT32, SLICED, so);
      run("aten.cat.default", List.of("[a, b, a]", Integer.toString(dim)), List.of("o"),
          named("a", a, "b", b, "o", out));
      double[] expected = new double[(int) out.numel()];
      int[] i = {0};
      forEachIndex(so, idx -> {
        long[] j = idx.clone();
        Tensor src;
        if (j[d] < sa[d]) {
          src = a;
        } else if (j[d] < sa[d] + sb[d]) {
          src = b;
          j[d] -= sa[d];
        } else {
          src = a;
          j[d] -= sa[d] + sb[d];
        }
        expected[i[0]++] = src.get(j);
      });
      assertElementwise(expected, out, "cat dim " + dim);
    }
  }

  @Test
  void cat_legacyEmptyInputSkipped_wrongTotalRejected() {
    Tensor a = random(4, CONTIGUOUS, 2, 2);
    Tensor out = poisoned(2, 2);
    run("aten.cat.default", List.of("[e, a]", "1"), List.of("o"),
        named("e", Tensor.allocate(DType.FLOAT32, 0), "a", a, "o", out));
    assertElementwise(a.toDoubleArray(), out, "cat with empty");
    assertThrows(KernelExecutionException.class, () -> run("aten.cat.default",
        List.of("[a, a]", "0"), List.of("o"), named("a", a, "o", poisoned(3, 2))));
  }

  @Test
  void embedding_int64IndicesAnyShape_gathersRows() {
    Tensor weight = random(5, PERMUTED, 10, 6);
    long[] ids = {3, 0, 9, 3, 7, 1};
    Tensor idx = Tensor.fromLongs(ids, 3, 2).transpose(0, 1);
    Tensor out = poisoned(DType.FLOAT32, SLICED, 2, 3, 6);
    run("aten.embedding.default", List.of("w", "idx", "-1", "False", "False"), List.of("o"),
        named("w", weight, "idx", idx, "o", out));
    double[] expected = new double[36];
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 3; j++) {
        for (int k = 0; k < 6; k++) {
          expected[(i * 3 + j) * 6 + k] = weight.get(idx.getLong(i, j), k);
        }
      }
    }
    assertElementwise(expected, out, "embedding");
  }

  @Test
  void embedding_indexOutOfRange_namesIndex() {
    Tensor weight = random(6, CONTIGUOUS, 4, 2);
    KernelExecutionException e = assertThrows(KernelExecutionException.class,
        () -> run("aten.embedding.default", List.of("w", "i", "-1", "False", "False"),
            List.of("o"), named("w", weight, "i", Tensor.fromLongs(new long[] {1, 4}, 2),
                "o", poisoned(2, 2))));
    assertTrue(e.getMessage().contains("index 4 out of range for 4"), e.getMessage());
  }

  @Test
  void indexSelect_picksSlices() {
    Tensor x = random(7, SLICED, 3, 4);
    Tensor out = poisoned(3, 2);
    run("aten.index_select.default", List.of("x", "1", "i"), List.of("o"),
        named("x", x, "i", Tensor.fromLongs(new long[] {3, 1}, 2), "o", out));
    assertElementwise(new double[] {x.get(0, 3), x.get(0, 1), x.get(1, 3), x.get(1, 1),
        x.get(2, 3), x.get(2, 1)}, out, "index_select");
  }

  @Test
  void factories_fillEveryElementInOutputDtype() {
    Tensor f = poisoned(DType.FLOAT32, SLICED, 2, 3);
    run("aten.full.default", List.of("[2, 3]", "-inf", "None", "None", "None", "False"),
        List.of("o"), named("o", f));
    assertElementwise(filled(6, Double.NEGATIVE_INFINITY), f, "full");
    Tensor b = poisoned(DType.BOOL, CONTIGUOUS, 4);
    run("aten.ones.default", List.of("[4]", "torch.bool", "None", "None", "None"), List.of("o"),
        named("o", b));
    assertElementwise(filled(4, 1), b, "ones bool");
    Tensor z = poisoned(3);
    run("aten.zeros_like.default", List.of("x", "None", "None", "None", "None", "None"),
        List.of("o"), named("x", z, "o", z));
    assertElementwise(filled(3, 0), z, "zeros_like");
  }

  @Test
  void arange_overloads_matchPythonRange() {
    Tensor a = Tensor.allocate(DType.INT64, 7);
    run("aten.arange.default", List.of("7", "torch.int64", "None", "None", "False"),
        List.of("o"), named("o", a));
    assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6}, a.toLongArray());
    Tensor b = Tensor.allocate(DType.INT64, 4);
    run("aten.arange.start_step", List.of("10", "2", "-2", "None", "None", "None", "None"),
        List.of("o"), named("o", b));
    assertArrayEquals(new long[] {10, 8, 6, 4}, b.toLongArray());
    Tensor c = poisoned(DType.FLOAT32, SLICED, 3);
    run("aten.arange.start", List.of("0.5", "3", "torch.float32", "None", "None", "None"),
        List.of("o"), named("o", c));
    assertElementwise(new double[] {0.5, 1.5, 2.5}, c, "arange float");
    assertThrows(KernelExecutionException.class, () -> run("aten.arange.default",
        List.of("7", "None", "None", "None", "None"), List.of("o"),
        named("o", Tensor.allocate(DType.INT64, 6))));
    assertThrows(KernelArgumentException.class, () -> KernelLibrary.cpu().prepare(
        "aten.arange.start_step", List.of("0", "4", "0", "None", "None", "None", "None"),
        List.of("o")));
  }

  private static double[] filled(int n, double v) {
    double[] d = new double[n];
    Arrays.fill(d, v);
    return d;
  }
}
