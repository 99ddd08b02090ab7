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

import io.planline.ir.DType;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Pointwise operators against per-element references, over strided and broadcast operands. */
final class ElementwiseOpsTest {

  private static final long[] SHAPE = {3, 5, 7};

  static Stream<Arguments> unaryOps() {
    return Stream.of(
        Arguments.of("aten.relu.default", (DoubleUnaryOperator) x -> x > 0 ? x : 0),
        Arguments.of("aten.tanh.default", (DoubleUnaryOperator) Math::tanh),
        Arguments.of("aten.exp.default", (DoubleUnaryOperator) Math::exp),
        Arguments.of("aten.neg.default", (DoubleUnaryOperator) x -> -x),
        Arguments.of("aten.abs.default", (DoubleUnaryOperator) Math::abs),
        Arguments.of("aten.sigmoid.default", (DoubleUnaryOperator) x -> 1 / (1 + Math.exp(-x))),
        Arguments.of("aten.silu.default", (DoubleUnaryOperator) x -> x / (1 + Math.exp(-x))),
        Arguments.of("aten.sin.default", (DoubleUnaryOperator) Math::sin),
        Arguments.of("aten.cos.default", (DoubleUnaryOperator) Math::cos),
        Arguments.of("aten.erf.default", (DoubleUnaryOperator) ElementwiseOpsTest::erf));
  }

  @ParameterizedTest
  @MethodSource("unaryOps")
  void unary_everyLayout_matchesReference(String op, DoubleUnaryOperator f) {
    for (Tensors.Layout in : Tensors.Layout.values()) {
      for (Tensors.Layout outLayout : new Tensors.Layout[] {CONTIGUOUS, SLICED}) {
        Tensor x = random(in.ordinal(), in, SHAPE);
        Tensor out = poisoned(DType.FLOAT32, outLayout, SHAPE);
        run(op, List.of("x"), List.of("out"), named("x", x, "out", out));
        assertElementwise(map(x, f), out, op + " " + in + " -> " + outLayout);
      }
    }
  }

  @Test
  void sqrtRsqrtLogReciprocal_positiveInputs_matchReference() {
    Tensor x = random(4, PERMUTED, SHAPE);
    Tensor pos = poisoned(SHAPE);
    run("aten.abs.default", List.of("x"), List.of("pos"), named("x", x, "pos", pos));
    String[] ops = {"aten.sqrt.default", "aten.rsqrt.default", "aten.log.default",
        "aten.reciprocal.default"};
    DoubleUnaryOperator[] refs = {Math::sqrt, v -> 1 / Math.sqrt(v), Math::log, v -> 1 / v};
    for (int i = 0; i < ops.length; i++) {
      Tensor out = poisoned(SHAPE);
      run(ops[i], List.of("p"), List.of("out"), named("p", pos, "out", out));
      assertElementwise(map(pos, refs[i]), out, ops[i]);
    }
  }

  @Test
  void gelu_exactAndTanh_matchReferenceIncludingTails() {
    double[] v = {-9, -6, -3.5, -1, -0.25, 0, 0.3, 1, 2.5, 5, 9};
    Tensor x = Tensors.withValues(v, DType.FLOAT32, SLICED, v.length);
    Tensor exact = poisoned(v.length);
    Tensor tanh = poisoned(v.length);
    run("aten.gelu.default", List.of("x", "none"), List.of("o"), named("x", x, "o", exact));
    run("aten.gelu.default", List.of("x", "'tanh'"), List.of("o"), named("x", x, "o", tanh));
    assertElementwise(map(x, t -> 0.5 * t * erfc(-t / Math.sqrt(2))), exact, "gelu none");
    double c = Math.sqrt(2 / Math.PI);
    assertElementwise(map(x, t -> 0.5 * t * (1 + Math.tanh(c * (t + 0.044715 * t * t * t)))),
        tanh, "gelu tanh");
    Tensor r = random(5, PERMUTED, SHAPE);
    Tensor out = poisoned(SHAPE);
    run("aten.gelu.default", List.of("r", "none"), List.of("o"), named("r", r, "o", out));
    assertElementwise(map(r, t -> 0.5 * t * erfc(-t / Math.sqrt(2))), out, "gelu random");
  }

  @Test
  void binaryTensor_broadcastAcrossLayouts_matchesReference() {
    String[] ops = {"aten.add.Tensor", "aten.sub.Tensor", "aten.mul.Tensor", "aten.div.Tensor",
        "aten.maximum.default", "aten.minimum.default"};
    DoubleBinaryOperator[] refs = {(a, b) -> a + 0.5 * b, (a, b) -> a - 0.5 * b, (a, b) -> a * b,
        (a, b) -> a / b, Math::max, Math::min};
    Tensor a = random(6, SLICED, 4, 1, 5);
    Tensor b = random(7, PERMUTED, 3, 1);
    for (int i = 0; i < ops.length; i++) {
      List<String> args = ops[i].contains(".Tensor") && i < 2 ? List.of("a", "b", "0.5")
          : List.of("a", "b");
      Tensor out = poisoned(DType.FLOAT32, SLICED, 4, 3, 5);
      run(ops[i], args, List.of("out"), named("a", a, "b", b, "out", out));
      assertElementwise(zip(a, b, new long[] {4, 3, 5}, refs[i]), out, ops[i]);
    }
  }

  @Test
  void scalarOverloads_andNumberInTensorSlot_matchReference() {
    Tensor x = random(8, PERMUTED, SHAPE);
    Object[][] cases = {
        {"aten.add.Scalar", List.of("x", "2.5", "2"), (DoubleUnaryOperator) v -> v + 5},
        {"aten.sub.Scalar", List.of("x", "1", "1"), (DoubleUnaryOperator) v -> v - 1},
        {"aten.mul.Scalar", List.of("x", "-3.0"), (DoubleUnaryOperator) v -> v * -3},
        {"aten.div.Scalar", List.of("x", "8"), (DoubleUnaryOperator) v -> v / 8},
        {"aten.add.Tensor", List.of("x", "1e-05", "1"), (DoubleUnaryOperator) v -> v + 1e-5},
        {"aten.mul.Tensor", List.of("x", "0.125"), (DoubleUnaryOperator) v -> v * 0.125},
        {"aten.rsub.Scalar", List.of("x", "1.0", "1"), (DoubleUnaryOperator) v -> 1 - v},
        {"aten.pow.Tensor_Scalar", List.of("x", "2"), (DoubleUnaryOperator) v -> v * v},
        {"aten.pow.Tensor_Scalar", List.of("x", "3"), (DoubleUnaryOperator) v -> v * v * v},
        {"aten.clamp.default", List.of("x", "-0.5", "None"),
            (DoubleUnaryOperator) v -> Math.max(v, -0.5)},
        {"aten.hardtanh.default", List.of("x", "0.0", "1.0"),
            (DoubleUnaryOperator) v -> Math.min(Math.max(v, 0), 1)},
    };
    for (Object[] c : cases) {
      Tensor out = poisoned(SHAPE);
      @SuppressWarnings("unchecked") // the table above holds List<String>
      List<String> args = (List<String>) c[1];
      run((String) c[0], args, List.of("out"), named("x", x, "out", out));
      assertElementwise(map(x, (DoubleUnaryOperator) c[2]), out, c[0] + " " + args);
    }
  }

  @Test
  void powFractional_positiveInput_matchesMathPow() {
    Tensor x = random(9, SLICED, SHAPE);
    Tensor pos = poisoned(SHAPE);
    run("aten.abs.default", List.of("x"), List.of("o"), named("x", x, "o", pos));
    for (String e : new String[] {"0.5", "-1.5", "0.3333"}) {
      Tensor out = poisoned(SHAPE);
      run("aten.pow.Tensor_Scalar", List.of("p", e), List.of("o"), named("p", pos, "o", out));
      double d = Double.parseDouble(e);
      assertElementwise(map(pos, v -> Math.pow(v, d)), out, "pow " + e);
    }
  }

  @Test
  void comparisons_writeBoolOutputs() {
    Tensor a = random(10, PERMUTED, 4, 6);
    Tensor b = random(11, CONTIGUOUS, 6);
    String[] names = {"eq", "ne", "lt", "le", "gt", "ge"};
    DoubleBinaryOperator[] refs = {(x, y) -> x == y ? 1 : 0, (x, y) -> x != y ? 1 : 0,
        (x, y) -> x < y ? 1 : 0, (x, y) -> x <= y ? 1 : 0, (x, y) -> x > y ? 1 : 0,
        (x, y) -> x >= y ? 1 : 0};
    for (int i = 0; i < names.length; i++) {
      Tensor out = poisoned(DType.BOOL, CONTIGUOUS, 4, 6);
      run("aten." + names[i] + ".Tensor", List.of("a", "a_row"), List.of("out"),
          named("a", a, "a_row", a.select(0, 1), "out", out));
      assertElementwise(zip(a, a.select(0, 1), new long[] {4, 6}, refs[i]), out, names[i]);
      Tensor outS = poisoned(DType.BOOL, SLICED, 4, 6);
      run("aten." + names[i] + ".Scalar", List.of("a", "0.25"), List.of("out"),
          named("a", a, "out", outS));
      int k = i;
      assertElementwise(map(a, v -> refs[k].applyAsDouble(v, (float) 0.25)), outS, names[i]);
      Tensor outT = poisoned(DType.BOOL, CONTIGUOUS, 4, 6);
      run("aten." + names[i] + ".Tensor", List.of("a", "b"), List.of("out"),
          named("a", a, "b", b, "out", outT));
      assertElementwise(zip(a, b, new long[] {4, 6}, refs[i]), outT, names[i] + " broadcast");
    }
  }

  @Test
  void whereAndMaskedFill_selectPerElement() {
    Tensor x = random(12, SLICED, 3, 4);
    Tensor mask = Tensors.withValues(new double[] {1, 0, 0, 1}, DType.BOOL, CONTIGUOUS, 4);
    Tensor out = poisoned(3, 4);
    run("aten.where.self", List.of("m", "x", "-inf"), List.of("o"),
        named("m", mask, "x", x, "o", out));
    double[] xv = x.toDoubleArray();
    double[] expected = new double[12];
    for (int i = 0; i < 12; i++) {
      expected[i] = (i % 4 == 0 || i % 4 == 3) ? xv[i] : Double.NEGATIVE_INFINITY;
    }
    assertElementwise(expected, out, "where");
    Tensor filled = poisoned(3, 4);
    run("aten.masked_fill.Scalar", List.of("x", "m", "0.5"), List.of("o"),
        named("m", mask, "x", x, "o", filled));
    for (int i = 0; i < 12; i++) {
      expected[i] = (i % 4 == 0 || i % 4 == 3) ? 0.5 : xv[i];
    }
    assertElementwise(expected, filled, "masked_fill");
  }

  @Test
  void int64Operands_addAndTrueDivide() {
    Tensor a = Tensor.fromLongs(new long[] {1, 2, 3, 4}, 4);
    Tensor sum = Tensor.allocate(DType.INT64, 4);
    run("aten.add.Tensor", List.of("a", "a", "3"), List.of("o"), named("a", a, "o", sum));
    assertArrayEquals(new long[] {4, 8, 12, 16}, sum.toLongArray());
    Tensor q = poisoned(4);
    run("aten.div.Tensor", List.of("a", "2"), List.of("o"), named("a", a, "o", q));
    assertElementwise(new double[] {0.5, 1, 1.5, 2}, q, "int64 / 2");
    Tensor f = poisoned(4);
    run("aten.div.Tensor_mode", List.of("a", "-3", "'floor'"), List.of("o"),
        named("a", a, "o", f));
    assertElementwise(new double[] {-1, -1, -1, -2}, f, "floor divide");
  }

  @Property(tries = 80)
  void binary_randomBroadcastShapesAndLayouts_matchesReference(
      @ForAll @IntRange(min = 1, max = 5) int d0, @ForAll @IntRange(min = 1, max = 6) int d1,
      @ForAll @IntRange(min = 1, max = 40) int d2, @ForAll @IntRange(max = 7) int ones,
      @ForAll @IntRange(max = 2) int rankCut, @ForAll @IntRange(max = 2) int layoutA,
      @ForAll @IntRange(max = 2) int layoutB, @ForAll @IntRange(max = 3) int opIndex) {
    long[] full = {d0, d1, d2};
    long[] sb = java.util.Arrays.copyOfRange(full, rankCut, 3);
    for (int d = 0; d < sb.length; d++) {
      if ((ones & (1 << d)) != 0) {
        sb[d] = 1;
      }
    }
    Tensors.Layout[] layouts = Tensors.Layout.values();
    Tensor a = random(d0 * 1000L + d1 * 50 + d2, layouts[layoutA], full);
    Tensor b = random(ones * 7L + rankCut, layouts[layoutB], sb);
    String op = new String[] {"aten.add.Tensor", "aten.sub.Tensor", "aten.mul.Tensor",
        "aten.div.Tensor"}[opIndex];
    List<String> args = opIndex < 2 ? List.of("a", "b", "2") : List.of("a", "b");
    DoubleBinaryOperator f = new DoubleBinaryOperator[] {(x, y) -> x + 2 * y,
        (x, y) -> x - 2 * y, (x, y) -> x * y, (x, y) -> x / y}[opIndex];
    Tensor out = poisoned(DType.FLOAT32, layouts[(layoutA + layoutB) % 3], full);
    run(op, args, List.of("o"), named("a", a, "b", b, "o", out));
    assertElementwise(zip(a, b, full, f), out, op + " " + java.util.Arrays.toString(sb));
  }

  @Test
  void run_outputNotTheBroadcastShape_isRejected() {
    Tensor a = random(13, CONTIGUOUS, 3, 1);
    Tensor b = random(14, CONTIGUOUS, 1, 4);
    assertThrows(KernelExecutionException.class, () -> run("aten.mul.Tensor", List.of("a", "b"),
        List.of("o"), named("a", a, "b", b, "o", poisoned(3, 5))));
    assertThrows(KernelExecutionException.class, () -> run("aten.relu.default", List.of("a"),
        List.of("o"), named("a", a, "o", poisoned(2, 3, 1))));
  }

  // ---------------------------------------------------------------------------------------------

  private static double[] map(Tensor x, DoubleUnaryOperator f) {
    double[] v = x.toDoubleArray();
    for (int i = 0; i < v.length; i++) {
      v[i] = f.applyAsDouble(v[i]);
    }
    return v;
  }

  /** f(a[idx], b[idx]) over {@code shape}, indexing each operand with numpy broadcasting. */
  private static double[] zip(Tensor a, Tensor b, long[] shape, DoubleBinaryOperator f) {
    double[] out = new double[(int) Tensor.numel(shape)];
    int[] i = {0};
    forEachIndex(shape, idx -> out[i[0]++] = f.applyAsDouble(a.get(bcast(a, idx)),
        b.get(bcast(b, idx))));
    return out;
  }

  private static long[] bcast(Tensor t, long[] idx) {
    long[] r = new long[t.dim()];
    for (int d = 0; d < r.length; d++) {
      long v = idx[idx.length - r.length + d];
      r[d] = t.size(d) == 1 ? 0 : v;
    }
    return r;
  }

  /** erf by its Maclaurin series (|x| < 3) or 1 - erfc (continued fraction) beyond. */
  static double erf(double x) {
    if (Math.abs(x) >= 3) {
      return x > 0 ? 1 - erfc(x) : erfc(-x) - 1;
    }
    double sum = 0;
    double term = x;
    for (int n = 0; n < 200; n++) {
      sum += term / (2 * n + 1);
      term *= -x * x / (n + 1);
    }
    return 2 / Math.sqrt(Math.PI) * sum;
  }

  /** erfc from the series for small |x| and Laplace's continued fraction for x >= 3. */
  static double erfc(double x) {
    if (x < 3) {
      return 1 - erf(x);
    }
    double f = x;
    for (int n = 80; n >= 1; n--) {
      f = x + (n / 2.0) / f;
    }
    return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
  }
}
