package io.planline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.DType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Preparing kernel calls: what is accepted, and the errors for what is not. */
final class KernelLibraryTest {

  private static final KernelLibrary LIB = KernelLibrary.cpu();

  @Test
  void operators_includeEveryOperatorTheBriefNames() {
    List<String> required = List.of("aten.addmm.default", "aten.mm.default", "aten.bmm.default",
        "aten.add.Tensor", "aten.sub.Tensor", "aten.mul.Tensor", "aten.div.Tensor",
        "aten.add.Scalar", "aten.sub.Scalar", "aten.mul.Scalar", "aten.div.Scalar",
        "aten.relu.default", "aten.gelu.default", "aten.tanh.default", "aten.exp.default",
        "aten.rsqrt.default", "aten.pow.Tensor_Scalar", "aten._softmax.default",
        "aten.native_layer_norm.default", "aten.convolution.default",
        "aten.max_pool2d_with_indices.default", "aten.avg_pool2d.default", "aten.mean.dim",
        "aten._native_batch_norm_legit_no_training.default", "aten.embedding.default",
        "aten.cat.default", "aten.clone.default", "aten.where.self", "aten.sum.dim_IntList",
        "aten.amax.default", "aten.full.default", "aten.arange.start_step",
        "aten.arange.default", "aten.copy.default", "aten._to_copy.default", "aten.eq.Scalar",
        "aten.lt.Tensor", "aten.neg.default", "aten.sqrt.default");
    for (String op : required) {
      assertTrue(LIB.supports(op), op);
    }
    assertTrue(LIB.threads() >= 1);
  }

  @Test
  void prepare_unknownOperator_namesItAndListsSupported() {
    UnknownOperatorException e = assertThrows(UnknownOperatorException.class,
        () -> LIB.prepare("aten.fft_fft.default", List.of("x"), List.of("buf0")));
    assertEquals("aten.fft_fft.default", e.operator());
    assertTrue(e.getMessage().startsWith("aten.fft_fft.default: no CPU kernel"), e.getMessage());
    assertTrue(e.getMessage().contains("aten.addmm.default"), e.getMessage());
  }

  @Test
  void prepare_wrongArgumentCount_listsSchemaNames() {
    KernelArgumentException e = assertThrows(KernelArgumentException.class,
        () -> LIB.prepare("aten.addmm.default", List.of("b", "x", "w"), List.of("buf0")));
    assertTrue(e.getMessage().contains("expected 5 arguments (self, mat1, mat2, beta, alpha)"),
        e.getMessage());
  }

  @Test
  void prepare_wrongOutputCount_isRejected() {
    KernelArgumentException e = assertThrows(KernelArgumentException.class,
        () -> LIB.prepare("aten.native_layer_norm.default",
            List.of("x", "[128]", "w", "b", "1e-05"), List.of("buf0")));
    assertTrue(e.getMessage().contains("expected 3 outputs"), e.getMessage());
    assertThrows(KernelArgumentException.class,
        () -> LIB.prepare("aten.relu.default", List.of("x"), List.of("not a name")));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "aten.addmm.default|b;x;w;one;1|argument 4 of 5, beta (scalar) = 'one'",
      "aten.mm.default|x;3|argument 2 of 2, mat2 (tensor) = '3': expected a tensor name",
      "aten.mm.default|x;None|argument 2 of 2, mat2 (tensor) = 'None': None is not allowed",
      "aten._softmax.default|x;-1;maybe|argument 3 of 3, half_to_float (bool)",
      "aten._softmax.default|x;1.5;False|argument 2 of 3, dim (int) = '1.5'",
      "aten._softmax.default|x;s0;False|must be a constant",
      "aten._softmax.default|x;-1;True|half_to_float is only meaningful",
      "aten.cat.default|[a, , b];0|empty list element",
      "aten.cat.default|a;0|expected a list",
      "aten.gelu.default|x;'erf'|approximate must be 'none' or 'tanh'",
      "aten._to_copy.default|x;torch.complex32;None;None;None;False;None|unknown dtype",
      "aten.sum.dim_IntList|x;[1, (2];False;None|not an integer expression",
      "aten.full.default|[2, 3];Infinity;None;None;None;None|expected a constant number",
      "aten.full.default|[2, 3];1f;None;None;None;None|expected a number or an integer",
  })
  void prepare_badArgument_namesOperatorArgumentAndText(String op, String args, String message) {
    KernelArgumentException e = assertThrows(KernelArgumentException.class,
        () -> LIB.prepare(op, List.of(args.split(";", -1)), List.of("buf0")));
    assertTrue(e.getMessage().startsWith(op + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void prepare_transposedConvolution_failsAtLoadTime() {
    KernelArgumentException e = assertThrows(KernelArgumentException.class,
        () -> LIB.prepare("aten.convolution.default", List.of("x", "w", "None", "[1, 1]",
            "[0, 0]", "[1, 1]", "True", "[0, 0]", "1"), List.of("buf0")));
    assertTrue(e.getMessage().contains("transposed convolution is not supported"),
        e.getMessage());
  }

  @Test
  void prepare_floatSpellings_parseAsPythonRepr() {
    Tensor out = Tensor.allocate(DType.FLOAT32, 3);
    for (String[] c : new String[][] {{"-inf", "-Infinity"}, {"inf", "Infinity"},
        {"nan", "NaN"}, {"1e-05", "1.0E-5"}, {"True", "1.0"}, {"-2", "-2.0"}, {".5", "0.5"}}) {
      LIB.prepare("aten.full.default", List.of("[3]", c[0], "None", "None", "None", "None"),
          List.of("out")).run(Map.of("out", out)::get);
      assertEquals(c[1], Float.toString((float) out.get(1)), c[0]);
    }
  }

  @Test
  void prepare_symbolicSizesAndEnd_areAcceptedWhereTheOutputDefinesThem() {
    Tensor out = Tensor.allocate(DType.INT64, 5);
    LIB.prepare("aten.arange.start_step", List.of("0", "s0 + 1", "1", "torch.int64", "None",
        "cpu", "False"), List.of("out")).run(Map.of("out", out)::get);
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L), java.util.Arrays.stream(out.toLongArray()).boxed()
        .toList());
    LIB.prepare("aten.full.default", List.of("[s0, 64*s1]", "0.5", "torch.float32", "None",
        "device(type='cpu')", "False"), List.of("out"));
  }

  @Test
  void prepared_reportsInputsAndOutputs() {
    PreparedKernel k = LIB.prepare("aten.where.self", List.of("mask", "x", "0.0"),
        List.of("buf9"));
    assertEquals("aten.where.self", k.kernelName());
    assertEquals(List.of("mask", "x"), k.inputs());
    assertEquals(List.of("buf9"), k.outputs());
    PreparedKernel cat = LIB.prepare("aten.cat.default", List.of("[a, b, a]", "1"),
        List.of("buf1"));
    assertEquals(List.of("a", "b", "a"), cat.inputs());
  }

  @Test
  void run_unboundTensor_namesOperatorAndTensor() {
    PreparedKernel k = LIB.prepare("aten.relu.default", List.of("x"), List.of("buf0"));
    KernelExecutionException e = assertThrows(KernelExecutionException.class,
        () -> k.run(Map.of("buf0", Tensor.allocate(DType.FLOAT32, 2))::get));
    assertTrue(e.getMessage().startsWith("aten.relu.default: tensor 'x' is not bound"),
        e.getMessage());
  }

  @Test
  void run_shapeMismatch_isAnExecutionErrorNamingTheOperator() {
    PreparedKernel k = LIB.prepare("aten.mm.default", List.of("a", "b"), List.of("c"));
    Map<String, Tensor> ts = Map.of("a", Tensor.allocate(DType.FLOAT32, 2, 3),
        "b", Tensor.allocate(DType.FLOAT32, 4, 5), "c", Tensor.allocate(DType.FLOAT32, 2, 5));
    KernelExecutionException e = assertThrows(KernelExecutionException.class,
        () -> k.run(ts::get));
    assertTrue(e.getMessage().contains("aten.mm.default") && e.getMessage().contains("[1, 2, 3]"),
        e.getMessage());
  }

  @Test
  void intExpr_grammar_foldsConstantsAndFlagsSymbols() {
    assertEquals(7L, IntExpr.valueOf("1 + 2*3"));
    assertEquals(-3L, IntExpr.valueOf("-7 // 3"));
    assertEquals(4L, IntExpr.valueOf("(1+1)*(4//2)"));
    assertEquals(null, IntExpr.valueOf("s0*4"));
    assertEquals(null, IntExpr.valueOf("-(s0 + 1) // 2"));
    assertThrows(IllegalArgumentException.class, () -> IntExpr.valueOf("1 +"));
    assertThrows(IllegalArgumentException.class, () -> IntExpr.valueOf("2 % 3"));
    assertThrows(IllegalArgumentException.class, () -> IntExpr.valueOf("4 // 0"));
    assertThrows(IllegalArgumentException.class, () -> IntExpr.valueOf(""));
  }
}
