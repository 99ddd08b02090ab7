package io.planline.backend.cuda;

import io.planline.backend.cuda.CudaOps.Launch;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Pointwise operators on the {@code pl_map} kernel: unary math, arithmetic and comparisons with
 * broadcasting, where / masked_fill, copies and dtype conversion, cat (one copy per input), and
 * the factories (fill, arange). Values pass through double as in the CPU library; a Python
 * number in a tensor slot is a constant operand.
 */
final class ElementwiseLaunches {

  // operation codes of elementwise.cu
  static final int COPY = 0;
  static final int ADD_SCALED = 30;
  static final int SELECT = 50;
  static final int FILL = 60;
  static final int ARANGE = 61;

  private ElementwiseLaunches() {}

  static void register(CudaOps t) {
    String[] unary = {"relu", "", "", "tanh", "exp", "log", "sqrt", "rsqrt", "neg", "abs",
        "reciprocal", "sigmoid", "silu", "sin", "cos", "erf", "logical_not"};
    for (int i = 0; i < unary.length; i++) {
      if (!unary[i].isEmpty()) {
        int code = i + 1;
        t.add("aten." + unary[i] + ".default", a -> map(a, new int[] {0}, code, 0, 0));
      }
    }
    t.add("aten.gelu.default", a -> {
      String mode = a.string(1);
      if (!mode.equals("none") && !mode.equals("tanh")) {
        throw a.error(1, "approximate must be 'none' or 'tanh'");
      }
      return map(a, new int[] {0}, mode.equals("none") ? 2 : 3, 0, 0);
    });
    t.add("aten.clamp.default", a -> map(a, new int[] {0}, 18,
        a.isNone(1) ? Double.NEGATIVE_INFINITY : a.number(1),
        a.isNone(2) ? Double.POSITIVE_INFINITY : a.number(2)));
    t.add("aten.hardtanh.default", a -> map(a, new int[] {0}, 18, a.number(1), a.number(2)));
    t.add("aten.pow.Tensor_Scalar", a -> map(a, new int[] {0}, 19, a.number(1), 0));
    for (String overload : new String[] {"Tensor", "Scalar"}) {
      t.add("aten.add." + overload, a -> map(a, new int[] {0, 1}, ADD_SCALED, a.number(2), 0));
      t.add("aten.sub." + overload, a -> map(a, new int[] {0, 1}, ADD_SCALED, -a.number(2), 0));
      t.add("aten.rsub." + overload, a -> map(a, new int[] {1, 0}, ADD_SCALED, -a.number(2), 0));
      t.add("aten.mul." + overload, a -> map(a, new int[] {0, 1}, 31, 0, 0));
      t.add("aten.div." + overload, a -> map(a, new int[] {0, 1}, 32, 0, 0));
      String[] cmp = {"eq", "ne", "lt", "le", "gt", "ge"};
      for (int i = 0; i < cmp.length; i++) {
        int code = 38 + i;
        t.add("aten." + cmp[i] + "." + overload, a -> map(a, new int[] {0, 1}, code, 0, 0));
      }
    }
    t.add("aten.div.Tensor_mode", a -> {
      String mode = a.isNone(2) ? "none" : a.string(2);
      int code = switch (mode) {
        case "none" -> 32;
        case "trunc" -> 33;
        case "floor" -> 34;
        default -> throw a.error(2, "rounding_mode must be None, 'trunc' or 'floor'");
      };
      return map(a, new int[] {0, 1}, code, 0, 0);
    });
    t.add("aten.maximum.default", a -> map(a, new int[] {0, 1}, 35, 0, 0));
    t.add("aten.minimum.default", a -> map(a, new int[] {0, 1}, 36, 0, 0));
    t.add("aten.pow.Tensor_Tensor", a -> map(a, new int[] {0, 1}, 37, 0, 0));
    t.add("aten.where.self", a -> map(a, new int[] {0, 1, 2}, SELECT, 0, 0));
    t.add("aten.masked_fill.Scalar", a -> map(a, new int[] {1, 2, 0}, SELECT, 0, 0));
    t.add("aten.masked_fill.Tensor", a -> map(a, new int[] {1, 2, 0}, SELECT, 0, 0));
    registerCopies(t);
    registerFactories(t);
  }

  private static void registerCopies(CudaOps t) {
    for (String name : List.of("aten.clone.default", "aten.lift_fresh_copy.default",
        "aten._to_copy.default")) {
      t.add(name, a -> {
        String self = a.tensor(0);
        return inv -> copy(inv, inv.in(self), inv.out(0), true);
      });
    }
    t.add("aten.copy.default", a -> {
      String src = a.tensor(1);
      return inv -> copy(inv, inv.in(src), inv.out(0), false);
    });
    t.add("aten.cat.default", a -> {
      List<String> names = a.tensors(0);
      long dim = a.constInt(1);
      if (names.isEmpty()) {
        throw a.error(0, "cat needs at least one tensor");
      }
      return inv -> cat(inv, names, dim);
    });
  }

  private static void registerFactories(CudaOps t) {
    t.add("aten.full.default", a -> fill(a.number(1)));
    t.add("aten.zeros.default", a -> fill(0));
    t.add("aten.ones.default", a -> fill(1));
    t.add("aten.scalar_tensor.default", a -> fill(a.number(0)));
    t.add("aten.full_like.default", a -> fill(a.number(1)));
    t.add("aten.zeros_like.default", a -> fill(0));
    t.add("aten.ones_like.default", a -> fill(1));
    t.add("aten.arange.default", a -> arange(a, -1, 0, -1));
    t.add("aten.arange.start", a -> arange(a, 0, 1, -1));
    t.add("aten.arange.start_step", a -> arange(a, 0, 1, 2));
  }

  /**
   * Binds {@code code} over the arguments at {@code positions} (tensors or constants); at run
   * time the output must have the inputs' broadcast shape.
   */
  static Launch map(Args a, int[] positions, int code, double s0, double s1) {
    @Nullable String[] names = new String[positions.length];
    double[] constants = new double[positions.length];
    for (int k = 0; k < positions.length; k++) {
      if (a.isTensor(positions[k])) {
        names[k] = a.tensor(positions[k]);
      } else {
        constants[k] = a.number(positions[k]);
      }
    }
    return inv -> {
      CudaTensor[] in = new CudaTensor[names.length];
      long[][] shapes = new long[names.length][];
      for (int k = 0; k < names.length; k++) {
        String n = names[k];
        in[k] = n == null ? null : inv.in(n);
        shapes[k] = n == null ? new long[0] : in[k].shapeRef();
      }
      CudaTensor out = inv.out(0);
      long[] expected = Layouts.broadcast(shapes);
      if (!Arrays.equals(expected, out.shapeRef())) {
        throw new IllegalArgumentException("output shape " + Arrays.toString(out.shapeRef())
            + " is not the inputs' broadcast shape " + Arrays.toString(expected));
      }
      launch(inv, code, out, in, constants, s0, s1);
    };
  }

  /** Enqueues {@code pl_map}: out = op(in...), inputs null where a constant stands. */
  static void launch(CudaOps.Invocation inv, int code, CudaTensor out,
      @Nullable CudaTensor[] in, double[] constants, double s0, double s1) {
    long n = out.numel();
    if (n == 0) {
      return;
    }
    long[] shape = out.shapeRef();
    long[][] strides = new long[1 + in.length][];
    strides[0] = out.strideRef();
    for (int k = 0; k < in.length; k++) {
      strides[k + 1] = in[k] == null ? new long[shape.length]
          : Layouts.expand(in[k].shapeRef(), in[k].strideRef(), shape);
    }
    Layouts.Merged m = Layouts.merge(shape, strides);
    Params p = new Params().i64(n).i64(m.rank()).i64(code).i64(in.length)
        .i64s(m.shape(), Params.MAXD)
        .operand(out.address(), out.dtype(), m.strides()[0]);
    for (int k = 0; k < 3; k++) {
      if (k < in.length && in[k] != null) {
        p.operand(in[k].address(), in[k].dtype(), m.strides()[k + 1]);
      } else {
        p.noOperand();
      }
    }
    for (int k = 0; k < 3; k++) {
      p.i64(k < in.length && in[k] == null ? 1 : 0);
    }
    for (int k = 0; k < 3; k++) {
      p.f64(k < in.length ? constants[k] : 0);
    }
    p.f64(s0).f64(s1);
    inv.launchFlat("pl_map", n, p);
  }

  /** Copies {@code src} into {@code dst} (converting the type); broadcasting unless sameShape. */
  static void copy(CudaOps.Invocation inv, CudaTensor src, CudaTensor dst, boolean sameShape) {
    if (sameShape && !Arrays.equals(src.shapeRef(), dst.shapeRef())) {
      throw new IllegalArgumentException("output " + dst + " must have the shape of " + src);
    }
    launch(inv, COPY, dst, new CudaTensor[] {src}, new double[1], 0, 0);
  }

  private static void cat(CudaOps.Invocation inv, List<String> names, long dim) {
    CudaTensor out = inv.out(0);
    int d = Layouts.wrapDim(dim, out.dim());
    long at = 0;
    for (String name : names) {
      CudaTensor t = inv.in(name);
      if (t.dim() == 1 && t.shapeRef()[0] == 0 && out.dim() != 1) {
        continue; // legacy empty input, skipped as ATen does
      }
      if (t.dim() != out.dim()) {
        throw new IllegalArgumentException("cat of " + t + " into " + out);
      }
      for (int k = 0; k < t.dim(); k++) {
        if (k != d && t.shapeRef()[k] != out.shapeRef()[k]) {
          throw new IllegalArgumentException("cat of " + t + " into " + out + ": dim " + k);
        }
      }
      long len = t.shapeRef()[d];
      if (at + len > out.shapeRef()[d]) {
        throw new IllegalArgumentException("cat inputs exceed output size " + out.shapeRef()[d]
            + " along dim " + d);
      }
      long[] sh = out.shape();
      sh[d] = len;
      copy(inv, t, out.restride(sh, out.strideRef(), at * out.strideRef()[d]), true);
      at += len;
    }
    if (at != out.shapeRef()[d]) {
      throw new IllegalArgumentException("cat inputs fill " + at + " of " + out.shapeRef()[d]
          + " along dim " + d);
    }
  }

  private static Launch fill(double value) {
    return inv -> launch(inv, FILL, inv.out(0), new CudaTensor[0], new double[0], value, 0);
  }

  private static Launch arange(Args a, int startAt, int endAt, int stepAt) {
    double start = startAt < 0 ? 0 : a.number(startAt);
    double step = stepAt < 0 ? 1 : a.number(stepAt);
    if (step == 0 || Double.isNaN(step)) {
      throw a.error(Math.max(stepAt, 0), "step must be nonzero");
    }
    @Nullable Double end;
    try {
      end = a.number(endAt);
    } catch (IllegalArgumentException e) {
      end = null; // symbolic: the output's length says how many
    }
    Double last = end;
    return inv -> {
      CudaTensor out = inv.out(0);
      if (out.dim() != 1) {
        throw new IllegalArgumentException("arange output must be 1-D, got " + out);
      }
      long n = out.shapeRef()[0];
      if (last != null && n != (long) Math.max(0, Math.ceil((last - start) / step))) {
        throw new IllegalArgumentException("arange(" + start + ", " + last + ", " + step
            + ") does not have " + n + " elements");
      }
      launch(inv, ARANGE, out, new CudaTensor[0], new double[0], start, step);
    };
  }
}
