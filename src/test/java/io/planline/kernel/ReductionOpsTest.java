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
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.planline.ir.DType;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** sum, mean, amax and amin over dimension sets, against per-output loops. */
final class ReductionOpsTest {

  /** Reference fold: for each output index, visit every input index that maps to it. */
  static double[] reference(Tensor in, Set<Integer> dims, boolean keepdim, String kind) {
    long[] outShape = outShape(in.shape(), dims, keepdim);
    long[] keptShape = outShape(in.shape(), dims, true);
    double[] acc = new double[(int) Tensor.numel(outShape)];
    double init = kind.equals("amax") ? Double.NEGATIVE_INFINITY
        : kind.equals("amin") ? Double.POSITIVE_INFINITY : 0;
    Arrays.fill(acc, init);
    forEachIndex(in.shape(), idx -> {
      long flat = 0;
      for (int d = 0; d < idx.length; d++) {
        flat = flat * keptShape[d] + (dims.contains(d) ? 0 : idx[d]);
      }
      double v = in.get(idx);
      int o = (int) flat;
      acc[o] = switch (kind) {
        case "amax" -> Math.max(acc[o], v);
        case "amin" -> Math.min(acc[o], v);
        default -> acc[o] + v;
      };
    });
    if (kind.equals("mean")) {
      long count = 1;
      for (int d : dims) {
        count *= in.size(d);
      }
      for (int i = 0; i < acc.length; i++) {
        acc[i] /= count;
      }
    }
    return acc;
  }

  static long[] outShape(long[] shape, Set<Integer> dims, boolean keepdim) {
    return java.util.stream.IntStream.range(0, shape.length)
        .filter(d -> keepdim || !dims.contains(d))
        .mapToLong(d -> dims.contains(d) ? 1 : shape[d]).toArray();
  }

  @Property(tries = 60)
  void reduce_randomDimsLayoutsAndKeepdim_matchesReference(
      @ForAll @IntRange(min = 1, max = 6) int d0, @ForAll @IntRange(min = 1, max = 7) int d1,
      @ForAll @IntRange(min = 1, max = 9) int d2, @ForAll @IntRange(min = 1, max = 7) int mask,
      @ForAll boolean keepdim, @ForAll @IntRange(max = 2) int layout,
      @ForAll @IntRange(max = 3) int kindIndex) {
    String kind = new String[] {"sum", "mean", "amax", "amin"}[kindIndex];
    Tensor in = random(d0 * 100L + d1 * 10 + d2, Tensors.Layout.values()[layout], d0, d1, d2);
    Set<Integer> dims = new TreeSet<>();
    for (int d = 0; d < 3; d++) {
      if ((mask & (1 << d)) != 0) {
        dims.add(d);
      }
    }
    // write dim 1 as -2 to exercise negative dims
    String dimList = dims.stream().map(d -> d == 1 ? "-2" : d.toString()).toList().toString();
    long[] shape = outShape(in.shape(), dims, keepdim);
    Tensor out = poisoned(DType.FLOAT32, layout == 2 ? SLICED : CONTIGUOUS, shape);
    String py = keepdim ? "True" : "False";
    switch (kind) {
      case "sum" -> run("aten.sum.dim_IntList", List.of("x", dimList, py, "None"), List.of("o"),
          named("x", in, "o", out));
      case "mean" -> run("aten.mean.dim", List.of("x", dimList, py, "None"), List.of("o"),
          named("x", in, "o", out));
      default -> run("aten." + kind + ".default", List.of("x", dimList, py), List.of("o"),
          named("x", in, "o", out));
    }
    assertReduction(reference(in, dims, keepdim, kind), out, kind + " " + dimList);
  }

  @Test
  void sum_noneOrEmptyDims_reducesEverything() {
    Tensor in = random(1, PERMUTED, 4, 5, 6);
    Set<Integer> all = Set.of(0, 1, 2);
    Tensor out = poisoned();
    run("aten.sum.dim_IntList", List.of("x", "None", "False", "None"), List.of("o"),
        named("x", in, "o", out));
    assertReduction(reference(in, all, false, "sum"), out, "sum None");
    Tensor amax = poisoned(1, 1, 1);
    run("aten.amax.default", List.of("x", "[]", "True"), List.of("o"),
        named("x", in, "o", amax));
    assertReduction(reference(in, all, true, "amax"), amax, "amax []");
    Tensor mean = poisoned();
    run("aten.mean.default", List.of("x", "None"), List.of("o"), named("x", in, "o", mean));
    assertReduction(reference(in, all, false, "mean"), mean, "mean.default");
  }

  @Test
  void mean_spatialDimsOfImageBatch_matchesReference() {
    Tensor in = random(2, SLICED, 2, 8, 5, 5);
    Tensor out = poisoned(2, 8, 1, 1);
    run("aten.mean.dim", List.of("x", "[-1, -2]", "True", "None"), List.of("o"),
        named("x", in, "o", out));
    assertReduction(reference(in, Set.of(2, 3), true, "mean"), out, "global average pool");
  }

  @Test
  void amax_propagatesNaN() {
    Tensor in = Tensors.withValues(new double[] {1, Double.NaN, 3, 4}, DType.FLOAT32, CONTIGUOUS,
        2, 2);
    Tensor out = poisoned(2);
    run("aten.amax.default", List.of("x", "[1]", "False"), List.of("o"),
        named("x", in, "o", out));
    assertReduction(new double[] {Double.NaN, 4}, out, "amax NaN");
  }

  @Test
  void reduce_badDimsOrOutputShape_isRejected() {
    Tensor in = random(3, CONTIGUOUS, 2, 3);
    assertThrows(KernelExecutionException.class, () -> run("aten.sum.dim_IntList",
        List.of("x", "[1, -1]", "False", "None"), List.of("o"), named("x", in, "o", poisoned(2))));
    assertThrows(KernelExecutionException.class, () -> run("aten.sum.dim_IntList",
        List.of("x", "[2]", "False", "None"), List.of("o"), named("x", in, "o", poisoned(2))));
    assertThrows(KernelExecutionException.class, () -> run("aten.sum.dim_IntList",
        List.of("x", "[1]", "False", "None"), List.of("o"), named("x", in, "o", poisoned(2, 1))));
  }

  @Test
  void cumsum_int64AlongRows_andFloatAlongColumnsOfAStridedInput() {
    Tensor ids = Tensor.fromLongs(new long[] {1, 1, 0, 1, 0, 1, 1, 1}, 2, 4);
    Tensor out = poisoned(DType.INT64, CONTIGUOUS, 2, 4);
    run("aten.cumsum.default", List.of("ids", "1", "None"), List.of("out"),
        named("ids", ids, "out", out));
    org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {1, 2, 2, 3, 0, 1, 2, 3},
        out.toLongArray());

    Tensor x = random(7, PERMUTED, 3, 2);
    Tensor y = poisoned(DType.FLOAT32, SLICED, 3, 2);
    run("aten.cumsum.default", List.of("x", "0", "None"), List.of("out"), named("x", x, "out", y));
    double[] v = x.toDoubleArray();
    double[] want = {v[0], v[1], v[0] + v[2], v[1] + v[3], v[0] + v[2] + v[4],
        v[1] + v[3] + v[5]};
    org.junit.jupiter.api.Assertions.assertArrayEquals(want, y.toDoubleArray(), 1e-6);
  }
}
