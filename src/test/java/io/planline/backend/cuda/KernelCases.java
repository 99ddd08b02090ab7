package io.planline.backend.cuda;

import io.planline.ir.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One or more calls of every CUDA operator, with input shapes, strides and value ranges: what the
 * GPU check runs against the CPU kernel library, and what the host-side tests bind without a GPU.
 * Strided inputs (transposed views, broadcast operands) are there on purpose: the kernels must
 * follow the CPU library's strided semantics, not assume dense rows.
 */
final class KernelCases {

  /** How an input's values are drawn. */
  enum Domain { SIGNED, POSITIVE, INDEX, BOOL }

  /**
   * One input: {@code shape} viewed with its last two dims transposed when {@code transposed}.
   *
   * @param bound for INDEX inputs, values are in [0, bound)
   */
  record Input(String name, DType dtype, long[] shape, boolean transposed, Domain domain,
      long bound) {}

  /** One output buffer (dense). */
  record Output(String name, DType dtype, long[] shape) {}

  /** One call; {@code product} cases (matrix products, reductions) get the looser tolerance. */
  record Case(String op, List<String> args, List<Input> inputs, List<Output> outputs,
      boolean product) {
    String label() {
      return op + " " + args;
    }
  }

  private KernelCases() {}

  private static long[] d(long... dims) {
    return dims;
  }

  static Input f(String name, long... shape) {
    return new Input(name, DType.FLOAT32, shape, false, Domain.SIGNED, 0);
  }

  static Input pos(String name, long... shape) {
    return new Input(name, DType.FLOAT32, shape, false, Domain.POSITIVE, 0);
  }

  /** A float input whose last two dims are a transposed view. */
  static Input tr(String name, long... shape) {
    return new Input(name, DType.FLOAT32, shape, true, Domain.SIGNED, 0);
  }

  static Input idx(String name, long bound, long... shape) {
    return new Input(name, DType.INT64, shape, false, Domain.INDEX, bound);
  }

  static Input bool(String name, long... shape) {
    return new Input(name, DType.BOOL, shape, false, Domain.BOOL, 0);
  }

  static Output of(String name, long... shape) {
    return new Output(name, DType.FLOAT32, shape);
  }

  static Output ofType(String name, DType t, long... shape) {
    return new Output(name, t, shape);
  }

  private static Case c(String op, List<String> args, List<Input> in, List<Output> out) {
    return new Case(op, args, in, out, false);
  }

  private static Case p(String op, List<String> args, List<Input> in, List<Output> out) {
    return new Case(op, args, in, out, true);
  }

  private static final List<String> NONE4 = List.of("None", "None", "None", "None");

  private static List<String> args(Object... parts) {
    List<String> out = new ArrayList<>();
    for (Object o : parts) {
      if (o instanceof List<?> l) {
        l.forEach(x -> out.add((String) x));
      } else {
        out.add((String) o);
      }
    }
    return out;
  }

  /** Every case. */
  static List<Case> all() {
    List<Case> cs = new ArrayList<>();
    List<String> signed = List.of("relu", "tanh", "exp", "neg", "abs", "sigmoid", "silu", "sin",
        "cos", "erf", "logical_not");
    for (String u : signed) {
      cs.add(c("aten." + u + ".default", List.of("x"), List.of(f("x", 37, 53)),
          List.of(of("y", 37, 53))));
    }
    for (String u : List.of("log", "sqrt", "rsqrt", "reciprocal")) {
      cs.add(c("aten." + u + ".default", List.of("x"), List.of(pos("x", 37, 53)),
          List.of(of("y", 37, 53))));
    }
    cs.add(c("aten.relu.default", List.of("x"), List.of(tr("x", 5, 31, 17)),
        List.of(of("y", 5, 31, 17))));
    cs.add(c("aten.gelu.default", List.of("x", "'tanh'"), List.of(f("x", 8, 64, 512)),
        List.of(of("y", 8, 64, 512))));
    cs.add(c("aten.gelu.default", List.of("x", "'none'"), List.of(f("x", 301)),
        List.of(of("y", 301))));
    cs.add(c("aten.clamp.default", List.of("x", "-0.5", "None"), List.of(f("x", 99)),
        List.of(of("y", 99))));
    cs.add(c("aten.hardtanh.default", List.of("x", "-1.0", "0.5"), List.of(f("x", 99)),
        List.of(of("y", 99))));
    cs.add(c("aten.pow.Tensor_Scalar", List.of("x", "2.5"), List.of(pos("x", 7, 9)),
        List.of(of("y", 7, 9))));
    // arithmetic with broadcasting, scalars in tensor slots, alpha
    cs.add(c("aten.add.Tensor", List.of("a", "b", "1"), List.of(f("a", 4, 1, 33), f("b", 5, 33)),
        List.of(of("y", 4, 5, 33))));
    cs.add(c("aten.add.Tensor", List.of("a", "b", "0.5"), List.of(tr("a", 6, 9), f("b", 9)),
        List.of(of("y", 6, 9))));
    cs.add(c("aten.sub.Tensor", List.of("a", "b", "2"), List.of(f("a", 3, 40), f("b", 3, 40)),
        List.of(of("y", 3, 40))));
    cs.add(c("aten.rsub.Tensor", List.of("a", "b", "1"), List.of(f("a", 3, 40), f("b", 40)),
        List.of(of("y", 3, 40))));
    cs.add(c("aten.mul.Tensor", List.of("a", "b"), List.of(f("a", 2, 3, 4, 5), f("b", 3, 1, 5)),
        List.of(of("y", 2, 3, 4, 5))));
    cs.add(c("aten.mul.Tensor", List.of("a", "0.125"), List.of(f("a", 64)),
        List.of(of("y", 64))));
    cs.add(c("aten.div.Tensor", List.of("a", "b"), List.of(f("a", 30, 7), pos("b", 30, 7)),
        List.of(of("y", 30, 7))));
    cs.add(c("aten.add.Scalar", List.of("a", "3.5", "1"), List.of(f("a", 70)),
        List.of(of("y", 70))));
    cs.add(c("aten.sub.Scalar", List.of("a", "1.5", "1"), List.of(f("a", 70)),
        List.of(of("y", 70))));
    cs.add(c("aten.rsub.Scalar", List.of("a", "1.0", "1"), List.of(f("a", 70)),
        List.of(of("y", 70))));
    cs.add(c("aten.mul.Scalar", List.of("a", "-1000000000.0"), List.of(f("a", 64, 64)),
        List.of(of("y", 64, 64))));
    cs.add(c("aten.div.Scalar", List.of("a", "3.0"), List.of(f("a", 70)),
        List.of(of("y", 70))));
    cs.add(c("aten.div.Tensor_mode", List.of("a", "b", "'trunc'"),
        List.of(f("a", 50), pos("b", 50)), List.of(of("y", 50))));
    cs.add(c("aten.div.Tensor_mode", List.of("a", "b", "'floor'"),
        List.of(f("a", 50), pos("b", 50)), List.of(of("y", 50))));
    cs.add(c("aten.maximum.default", List.of("a", "b"), List.of(f("a", 9, 8), f("b", 8)),
        List.of(of("y", 9, 8))));
    cs.add(c("aten.minimum.default", List.of("a", "b"), List.of(f("a", 9, 8), f("b", 9, 8)),
        List.of(of("y", 9, 8))));
    cs.add(c("aten.pow.Tensor_Tensor", List.of("a", "b"), List.of(pos("a", 20), f("b", 20)),
        List.of(of("y", 20))));
    for (String cmp : List.of("eq", "ne", "lt", "le", "gt", "ge")) {
      cs.add(c("aten." + cmp + ".Tensor", List.of("a", "b"), List.of(f("a", 6, 7), f("b", 7)),
          List.of(ofType("y", DType.BOOL, 6, 7))));
      cs.add(c("aten." + cmp + ".Scalar", List.of("a", "0.25"), List.of(f("a", 6, 7)),
          List.of(ofType("y", DType.BOOL, 6, 7))));
    }
    cs.add(c("aten.where.self", List.of("m", "a", "b"),
        List.of(bool("m", 5, 6), f("a", 5, 6), f("b", 6)), List.of(of("y", 5, 6))));
    cs.add(c("aten.where.self", List.of("m", "a", "0.0"), List.of(bool("m", 5, 6), f("a", 5, 6)),
        List.of(of("y", 5, 6))));
    cs.add(c("aten.masked_fill.Scalar", List.of("a", "m", "-inf"),
        List.of(f("a", 4, 9), bool("m", 9)), List.of(of("y", 4, 9))));
    cs.add(c("aten.masked_fill.Tensor", List.of("a", "m", "v"),
        List.of(f("a", 4, 9), bool("m", 4, 9), f("v")), List.of(of("y", 4, 9))));
    addCopiesAndFactories(cs);
    addRows(cs);
    addProducts(cs);
    addIndexing(cs);
    return cs;
  }

  private static void addCopiesAndFactories(List<Case> cs) {
    cs.add(c("aten.clone.default", List.of("x", "None"), List.of(tr("x", 3, 20, 30)),
        List.of(of("y", 3, 20, 30))));
    cs.add(c("aten.lift_fresh_copy.default", List.of("x"), List.of(f("x", 11)),
        List.of(of("y", 11))));
    cs.add(c("aten._to_copy.default", List.of("x", "torch.int64", "None", "None", "None",
        "False", "None"), List.of(f("x", 40)), List.of(ofType("y", DType.INT64, 40))));
    cs.add(c("aten._to_copy.default", List.of("x", "torch.float32", "None", "None", "None",
        "False", "None"), List.of(idx("x", 1000, 40)), List.of(of("y", 40))));
    cs.add(c("aten.copy.default", List.of("a", "b", "False"), List.of(f("a", 6, 5), f("b", 5)),
        List.of(of("y", 6, 5))));
    cs.add(c("aten.cat.default", List.of("[a, b, c]", "2"),
        List.of(f("a", 2, 3, 4), tr("b", 2, 3, 5), f("c", 2, 3, 1)), List.of(of("y", 2, 3, 10))));
    cs.add(c("aten.cat.default", List.of("[a, b]", "0"), List.of(f("a", 2, 3), f("b", 4, 3)),
        List.of(of("y", 6, 3))));
    cs.add(c("aten.full.default", args("[3, 4]", "2.5", NONE4), List.of(),
        List.of(of("y", 3, 4))));
    cs.add(c("aten.zeros.default", args("[5]", NONE4), List.of(), List.of(of("y", 5))));
    cs.add(c("aten.ones.default", args("[2, 2]", NONE4), List.of(), List.of(of("y", 2, 2))));
    cs.add(c("aten.scalar_tensor.default", args("-7.0", NONE4), List.of(),
        List.of(of("y"))));
    cs.add(c("aten.full_like.default", args("x", "0.5", NONE4, "None"), List.of(f("x", 3, 3)),
        List.of(of("y", 3, 3))));
    cs.add(c("aten.zeros_like.default", args("x", NONE4, "None"), List.of(f("x", 8)),
        List.of(of("y", 8))));
    cs.add(c("aten.ones_like.default", args("x", NONE4, "None"), List.of(f("x", 8)),
        List.of(of("y", 8))));
    cs.add(c("aten.arange.default", args("12", NONE4), List.of(),
        List.of(ofType("y", DType.INT64, 12))));
    cs.add(c("aten.arange.start", args("3", "10", NONE4), List.of(), List.of(of("y", 7))));
    cs.add(c("aten.arange.start_step", List.of("0", "37", "1", "torch.float32", "torch.strided",
        "cpu", "False"), List.of(), List.of(of("y", 37))));
    cs.add(c("aten.arange.start_step", args("1.0", "2.0", "0.125", NONE4), List.of(),
        List.of(of("y", 8))));
  }

  private static void addRows(List<Case> cs) {
    cs.add(p("aten._softmax.default", List.of("x", "-1", "False"), List.of(f("x", 8, 4, 64)),
        List.of(of("y", 8, 4, 64))));
    cs.add(p("aten._softmax.default", List.of("x", "0", "False"), List.of(tr("x", 37, 5)),
        List.of(of("y", 37, 5))));
    cs.add(p("aten._softmax.default", List.of("x", "1", "False"), List.of(f("x", 3, 1000)),
        List.of(of("y", 3, 1000))));
    cs.add(p("aten._log_softmax.default", List.of("x", "1", "False"), List.of(f("x", 6, 300)),
        List.of(of("y", 6, 300))));
    cs.add(p("aten.native_layer_norm.default", List.of("x", "[128]", "w", "b", "1e-05"),
        List.of(f("x", 4, 9, 128), f("w", 128), f("b", 128)),
        List.of(of("y", 4, 9, 128), of("m", 4, 9, 1), of("r", 4, 9, 1))));
    cs.add(p("aten.native_layer_norm.default", List.of("x", "[6, 7]", "None", "None", "0.001"),
        List.of(tr("x", 5, 6, 7)), List.of(of("y", 5, 6, 7), of("m", 5, 1, 1),
            of("r", 5, 1, 1))));
    cs.add(p("aten._native_batch_norm_legit_no_training.default",
        List.of("x", "w", "b", "rm", "rv", "0.1", "1e-05"),
        List.of(f("x", 4, 16, 8, 8), f("w", 16), f("b", 16), f("rm", 16), pos("rv", 16)),
        List.of(of("y", 4, 16, 8, 8), of("sm", 0), of("sr", 0))));
    cs.add(p("aten._native_batch_norm_legit_no_training.default",
        List.of("x", "None", "None", "rm", "rv", "0.1", "1e-05"),
        List.of(f("x", 3, 5, 7), f("rm", 5), pos("rv", 5)),
        List.of(of("y", 3, 5, 7), of("sm", 5), of("sr", 5))));
    cs.add(p("aten.sum.dim_IntList", List.of("x", "[1]", "True", "None"),
        List.of(f("x", 6, 70, 5)), List.of(of("y", 6, 1, 5))));
    cs.add(p("aten.mean.dim", List.of("x", "[0, 2]", "False", "None"),
        List.of(tr("x", 6, 70, 5)), List.of(of("y", 70))));
    cs.add(p("aten.cumsum.default", List.of("x", "1", "None"), List.of(f("x", 6, 70, 5)),
        List.of(of("y", 6, 70, 5))));
    cs.add(p("aten.cumsum.default", List.of("x", "0", "None"), List.of(tr("x", 37, 5)),
        List.of(of("y", 37, 5))));
    cs.add(p("aten.amax.default", List.of("x", "[-1]", "False"), List.of(f("x", 9, 33)),
        List.of(of("y", 9))));
    cs.add(p("aten.amin.default", List.of("x", "[0]", "True"), List.of(f("x", 9, 33)),
        List.of(of("y", 1, 33))));
    cs.add(p("aten.sum.default", List.of("x", "None"), List.of(f("x", 50, 41)),
        List.of(of("y"))));
    cs.add(p("aten.mean.default", List.of("x", "None"), List.of(f("x", 50, 41)),
        List.of(of("y"))));
  }

  private static void addProducts(List<Case> cs) {
    cs.add(p("aten.mm.default", List.of("a", "b"), List.of(f("a", 33, 17), f("b", 17, 45)),
        List.of(of("y", 33, 45))));
    cs.add(p("aten.mm.default", List.of("a", "b"), List.of(f("a", 513, 300), tr("b", 300, 257)),
        List.of(of("y", 513, 257))));
    cs.add(p("aten.mm.default", List.of("a", "b"), List.of(tr("a", 1000, 128), f("b", 128, 256)),
        List.of(of("y", 1000, 256))));
    cs.add(p("aten.addmm.default", List.of("c", "a", "b", "1", "1"),
        List.of(f("c", 384), f("a", 130, 128), tr("b", 128, 384)), List.of(of("y", 130, 384))));
    cs.add(p("aten.addmm.default", List.of("c", "a", "b", "0.5", "2.0"),
        List.of(f("c", 7, 10), f("a", 7, 64), f("b", 64, 10)), List.of(of("y", 7, 10))));
    cs.add(p("aten.bmm.default", List.of("a", "b"), List.of(f("a", 8, 64, 32), tr("b", 8, 32, 64)),
        List.of(of("y", 8, 64, 64))));
    cs.add(p("aten.bmm.default", List.of("a", "b"), List.of(f("a", 3, 5, 7), f("b", 3, 7, 2)),
        List.of(of("y", 3, 5, 2))));
    cs.add(p("aten.baddbmm.default", List.of("c", "a", "b", "1", "0.25"),
        List.of(f("c", 1, 9), f("a", 4, 6, 11), f("b", 4, 11, 9)), List.of(of("y", 4, 6, 9))));
    cs.add(p("aten.convolution.default", List.of("x", "w", "None", "[1, 1]", "[1, 1]", "[1, 1]",
        "False", "[0, 0]", "1"), List.of(f("x", 5, 16, 8, 8), f("w", 32, 16, 3, 3)),
        List.of(of("y", 5, 32, 8, 8))));
    cs.add(p("aten.convolution.default", List.of("x", "w", "b", "[2, 1]", "[0, 2]", "[1, 2]",
        "False", "[0, 0]", "2"), List.of(f("x", 2, 6, 11, 9), f("w", 4, 3, 3, 2), f("b", 4)),
        List.of(of("y", 2, 4, 5, 11))));
    // sizes that select each kernel of gemm.cu (128, 64, 128x32, 32x128, tensor cores)
    cs.add(p("aten.mm.default", List.of("a", "b"), List.of(f("a", 2100, 16), f("b", 16, 2100)),
        List.of(of("y", 2100, 2100))));
    cs.add(p("aten.mm.default", List.of("a", "b"), List.of(f("a", 1100, 16), tr("b", 16, 1100)),
        List.of(of("y", 1100, 1100))));
    cs.add(p("aten.mm.default", List.of("a", "b"), List.of(f("a", 1100, 200), tr("b", 200, 900)),
        List.of(of("y", 1100, 900))));
    cs.add(p("aten.addmm.default", List.of("c", "a", "b", "0.5", "1.5"),
        List.of(f("c", 384), tr("a", 4096, 128), tr("b", 128, 384)), List.of(of("y", 4096, 384))));
    cs.add(p("aten.bmm.default", List.of("a", "b"), List.of(f("a", 256, 64, 32),
        tr("b", 256, 32, 64)), List.of(of("y", 256, 64, 64))));
    cs.add(p("aten.addmm.default", List.of("c", "a", "b", "1", "1"),
        List.of(f("c", 10), f("a", 40000, 64), tr("b", 64, 10)), List.of(of("y", 40000, 10))));
    // one row with a scaled product: cuBLASLt's bias epilogue adds c unscaled, alpha scales x@y
    cs.add(p("aten.addmm.default", List.of("c", "a", "b", "1", "0.5"),
        List.of(f("c", 1, 96), f("a", 1, 200), tr("b", 200, 96)), List.of(of("y", 1, 96))));
    cs.add(p("aten.convolution.default", List.of("x", "w", "None", "[1, 1]", "[1, 1]", "[1, 1]",
        "False", "[0, 0]", "1"), List.of(f("x", 600, 16, 8, 8), f("w", 32, 16, 3, 3)),
        List.of(of("y", 600, 32, 8, 8))));
    // large enough for cuDNN, with a bias (added after cuDNN's convolution, as ViT's patch
    // embedding needs)
    cs.add(p("aten.convolution.default", List.of("x", "w", "b", "[2, 2]", "[1, 1]", "[1, 1]",
        "False", "[0, 0]", "1"), List.of(f("x", 64, 16, 32, 32), f("w", 32, 16, 3, 3),
        f("b", 32)), List.of(of("y", 64, 32, 16, 16))));
    cs.add(p("aten.convolution.default", List.of("x", "w", "None", "[1, 1]", "[0, 0]", "[1, 1]",
        "False", "[0, 0]", "1"), List.of(f("x", 3, 5, 7, 6), tr("w", 4, 5, 3, 2)),
        List.of(of("y", 3, 4, 5, 5))));
    cs.add(p("aten.convolution.default", List.of("x", "w", "b", "[1]", "[1]", "[1]", "False",
        "[0]", "1"), List.of(f("x", 3, 4, 20), f("w", 6, 4, 3), f("b", 6)),
        List.of(of("y", 3, 6, 20))));
  }

  private static void addIndexing(List<Case> cs) {
    cs.add(c("aten.embedding.default", List.of("w", "i", "-1", "False", "False"),
        List.of(f("w", 256, 128), idx("i", 256, 4, 64)), List.of(of("y", 4, 64, 128))));
    cs.add(c("aten.embedding.default", List.of("w", "i", "-1", "False", "False"),
        List.of(tr("w", 40, 30), idx("i", 40, 7)), List.of(of("y", 7, 30))));
    cs.add(c("aten.index_select.default", List.of("x", "1", "i"),
        List.of(f("x", 4, 10, 3), idx("i", 10, 6)), List.of(of("y", 4, 6, 3))));
    cs.add(c("aten.max_pool2d_with_indices.default", List.of("x", "[2, 2]", "[2, 2]", "[0, 0]",
        "[1, 1]", "False"), List.of(f("x", 4, 32, 8, 8)),
        List.of(of("y", 4, 32, 4, 4), ofType("i", DType.INT64, 4, 32, 4, 4))));
    cs.add(c("aten.max_pool2d_with_indices.default", List.of("x", "[3, 3]", "[2, 2]", "[1, 1]",
        "[1, 1]", "True"), List.of(f("x", 2, 3, 10, 9)),
        List.of(of("y", 2, 3, 6, 5), ofType("i", DType.INT64, 2, 3, 6, 5))));
    cs.add(c("aten.avg_pool2d.default", List.of("x", "[3, 3]", "[2, 2]", "[1, 1]", "False",
        "False", "None"), List.of(f("x", 2, 3, 9, 9)), List.of(of("y", 2, 3, 5, 5))));
    cs.add(c("aten.avg_pool2d.default", List.of("x", "[2, 2]", "[]", "[0, 0]", "False", "True",
        "3"), List.of(tr("x", 3, 8, 6)), List.of(of("y", 3, 4, 3))));
    cs.add(c("aten._adaptive_avg_pool2d.default", List.of("x", "[3, 2]"),
        List.of(f("x", 2, 4, 7, 5)), List.of(of("y", 2, 4, 3, 2))));
  }

  /** Dense strides of {@code shape}. */
  static long[] contiguous(long[] shape) {
    long[] st = new long[shape.length];
    long s = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      st[i] = s;
      s *= shape[i];
    }
    return st;
  }

  /** Strides of a transposed view (last two dims swapped in storage) of {@code shape}. */
  static long[] transposedStrides(long[] shape) {
    int r = shape.length;
    if (r < 2) {
      return contiguous(shape);
    }
    long[] storage = shape.clone();
    storage[r - 1] = shape[r - 2];
    storage[r - 2] = shape[r - 1];
    long[] st = contiguous(storage);
    long[] out = st.clone();
    out[r - 1] = st[r - 2];
    out[r - 2] = st[r - 1];
    return out;
  }

  static long numel(long[] shape) {
    return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
  }
}
