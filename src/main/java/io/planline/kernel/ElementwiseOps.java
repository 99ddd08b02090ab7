package io.planline.kernel;

import io.planline.ir.DType;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Pointwise ATen operators: unary math, binary arithmetic with broadcasting and their
 * {@code .Scalar} overloads, comparisons (bool results) and {@code where}. Each is a row loop
 * handed to {@link Elementwise}; a Python number in a tensor slot becomes a 0-dim constant.
 */
final class ElementwiseOps {

  /** f over one input row. */
  @FunctionalInterface
  interface Unary {
    void apply(double[] x, double[] out, int n);
  }

  /** f over two input rows of equal length. */
  @FunctionalInterface
  interface Binary {
    void apply(double[] a, double[] b, double[] out, int n);
  }

  private ElementwiseOps() {}

  static void register(OpTable t) {
    registerUnary(t);
    registerArithmetic(t);
    registerComparisons(t);
    t.add("aten.where.self", "Tensor condition, Tensor|Scalar self, Tensor|Scalar other", 1,
        a -> map(a, new int[] {0, 1, 2}, (in, o, n) -> select(in[0], in[1], in[2], o, n)));
    t.add("aten.masked_fill.Scalar", "Tensor self, Tensor mask, Scalar value", 1,
        a -> map(a, new int[] {1, 2, 0}, (in, o, n) -> select(in[0], in[1], in[2], o, n)));
    t.add("aten.masked_fill.Tensor", "Tensor self, Tensor mask, Tensor value", 1,
        a -> map(a, new int[] {1, 2, 0}, (in, o, n) -> select(in[0], in[1], in[2], o, n)));
  }

  private static void registerUnary(OpTable t) {
    unary(t, "aten.relu.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = Math.max(x[i], 0.0); // Math.max keeps NaN, as ATen's relu does
      }
    });
    t.add("aten.gelu.default", "Tensor self, str approximate", 1, a -> {
      String mode = a.string(1);
      Unary f = switch (mode) {
        case "none" -> (x, o, n) -> {
          for (int i = 0; i < n; i++) {
            o[i] = MathFns.gelu(x[i]);
          }
        };
        case "tanh" -> (x, o, n) -> {
          for (int i = 0; i < n; i++) {
            o[i] = MathFns.geluTanh(x[i]);
          }
        };
        default -> throw a.error(1, "approximate must be 'none' or 'tanh'");
      };
      return map(a, new int[] {0}, (in, o, n) -> f.apply(in[0], o, n));
    });
    unary(t, "aten.tanh.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = Math.tanh(x[i]);
      }
    });
    unary(t, "aten.exp.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = Math.exp(x[i]);
      }
    });
    unary(t, "aten.log.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = Math.log(x[i]);
      }
    });
    unary(t, "aten.sqrt.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = Math.sqrt(x[i]);
      }
    });
    unary(t, "aten.rsqrt.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = 1.0 / Math.sqrt(x[i]);
      }
    });
    unary(t, "aten.neg.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = -x[i];
      }
    });
    unary(t, "aten.abs.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = Math.abs(x[i]);
      }
    });
    unary(t, "aten.reciprocal.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = 1.0 / x[i];
      }
    });
    unary(t, "aten.sigmoid.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = 1.0 / (1.0 + Math.exp(-x[i]));
      }
    });
    unary(t, "aten.silu.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = x[i] / (1.0 + Math.exp(-x[i]));
      }
    });
    unary(t, "aten.sin.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = Math.sin(x[i]);
      }
    });
    unary(t, "aten.cos.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = Math.cos(x[i]);
      }
    });
    unary(t, "aten.erf.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = 1.0 - MathFns.erfc(x[i]);
      }
    });
    unary(t, "aten.logical_not.default", (x, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = x[i] == 0 ? 1 : 0;
      }
    });
    t.add("aten.clamp.default", "Tensor self, Scalar? min, Scalar? max", 1, a -> {
      double lo = a.isNone(1) ? Double.NEGATIVE_INFINITY : a.number(1);
      double hi = a.isNone(2) ? Double.POSITIVE_INFINITY : a.number(2);
      return map(a, new int[] {0}, (in, o, n) -> clamp(in[0], lo, hi, o, n));
    });
    t.add("aten.hardtanh.default", "Tensor self, Scalar min_val, Scalar max_val", 1, a -> {
      double lo = a.number(1);
      double hi = a.number(2);
      return map(a, new int[] {0}, (in, o, n) -> clamp(in[0], lo, hi, o, n));
    });
    t.add("aten.pow.Tensor_Scalar", "Tensor self, Scalar exponent", 1, a -> {
      double e = a.number(1);
      return map(a, new int[] {0}, (in, o, n) -> pow(in[0], e, o, n));
    });
  }

  private static void registerArithmetic(OpTable t) {
    for (String overload : new String[] {"Tensor", "Scalar"}) {
      String other = overload.equals("Tensor") ? "Tensor|Scalar" : "Scalar";
      String withAlpha = "Tensor self, " + other + " other, Scalar alpha";
      t.add("aten.add." + overload, withAlpha, 1, a -> binary(a, 0, 1, addScaled(a.number(2))));
      t.add("aten.sub." + overload, withAlpha, 1, a -> binary(a, 0, 1, addScaled(-a.number(2))));
      t.add("aten.rsub." + overload, withAlpha, 1, a -> binary(a, 1, 0, addScaled(-a.number(2))));
      t.add("aten.mul." + overload, "Tensor self, " + other + " other", 1,
          a -> binary(a, 0, 1, (x, y, o, n) -> {
            for (int i = 0; i < n; i++) {
              o[i] = x[i] * y[i];
            }
          }));
      t.add("aten.div." + overload, "Tensor self, " + other + " other", 1,
          a -> binary(a, 0, 1, ElementwiseOps::divide));
    }
    t.add("aten.div.Tensor_mode", "Tensor self, Tensor|Scalar other, str? rounding_mode", 1, a -> {
      String mode = a.isNone(2) ? "none" : a.string(2);
      Binary f = switch (mode) {
        case "none" -> ElementwiseOps::divide;
        case "trunc" -> (x, y, o, n) -> {
          for (int i = 0; i < n; i++) {
            double q = x[i] / y[i];
            o[i] = q < 0 ? Math.ceil(q) : Math.floor(q);
          }
        };
        case "floor" -> (x, y, o, n) -> {
          for (int i = 0; i < n; i++) {
            o[i] = Math.floor(x[i] / y[i]);
          }
        };
        default -> throw a.error(2, "rounding_mode must be None, 'trunc' or 'floor'");
      };
      return binary(a, 0, 1, f);
    });
    t.add("aten.maximum.default", "Tensor self, Tensor other", 1,
        a -> binary(a, 0, 1, (x, y, o, n) -> {
          for (int i = 0; i < n; i++) {
            o[i] = Math.max(x[i], y[i]);
          }
        }));
    t.add("aten.minimum.default", "Tensor self, Tensor other", 1,
        a -> binary(a, 0, 1, (x, y, o, n) -> {
          for (int i = 0; i < n; i++) {
            o[i] = Math.min(x[i], y[i]);
          }
        }));
    t.add("aten.pow.Tensor_Tensor", "Tensor self, Tensor exponent", 1,
        a -> binary(a, 0, 1, (x, y, o, n) -> {
          for (int i = 0; i < n; i++) {
            o[i] = Math.pow(x[i], y[i]);
          }
        }));
  }

  private static void registerComparisons(OpTable t) {
    String[] names = {"eq", "ne", "lt", "le", "gt", "ge"};
    for (String name : names) {
      Binary f = comparison(name);
      t.add("aten." + name + ".Tensor", "Tensor self, Tensor|Scalar other", 1,
          a -> binary(a, 0, 1, f));
      t.add("aten." + name + ".Scalar", "Tensor self, Scalar other", 1, a -> binary(a, 0, 1, f));
    }
  }

  private static Binary comparison(String name) {
    return switch (name) {
      case "eq" -> (x, y, o, n) -> {
        for (int i = 0; i < n; i++) {
          o[i] = x[i] == y[i] ? 1 : 0;
        }
      };
      case "ne" -> (x, y, o, n) -> {
        for (int i = 0; i < n; i++) {
          o[i] = x[i] != y[i] ? 1 : 0;
        }
      };
      case "lt" -> (x, y, o, n) -> {
        for (int i = 0; i < n; i++) {
          o[i] = x[i] < y[i] ? 1 : 0;
        }
      };
      case "le" -> (x, y, o, n) -> {
        for (int i = 0; i < n; i++) {
          o[i] = x[i] <= y[i] ? 1 : 0;
        }
      };
      case "gt" -> (x, y, o, n) -> {
        for (int i = 0; i < n; i++) {
          o[i] = x[i] > y[i] ? 1 : 0;
        }
      };
      case "ge" -> (x, y, o, n) -> {
        for (int i = 0; i < n; i++) {
          o[i] = x[i] >= y[i] ? 1 : 0;
        }
      };
      default -> throw new IllegalStateException("no comparison " + name);
    };
  }

  // ---------------------------------------------------------------------------------------------
  // binding helpers

  private static void unary(OpTable t, String name, Unary f) {
    t.add(name, "Tensor self", 1, a -> map(a, new int[] {0}, (in, o, n) -> f.apply(in[0], o, n)));
  }

  private static OpTable.Invocation binary(CallArgs a, int first, int second, Binary f) {
    return map(a, new int[] {first, second}, (in, o, n) -> f.apply(in[0], in[1], o, n));
  }

  /**
   * Binds a row op over the arguments at {@code positions} (tensor names or constants), checking
   * at run time that the output has the inputs' broadcast shape.
   */
  static OpTable.Invocation map(CallArgs a, int[] positions, Elementwise.RowOp op) {
    @Nullable String[] names = new String[positions.length];
    Tensor[] constants = new Tensor[positions.length];
    for (int k = 0; k < positions.length; k++) {
      int p = positions[k];
      if (a.isTensor(p)) {
        names[k] = a.tensorName(p);
      } else {
        constants[k] = constant(a.number(p));
      }
    }
    return c -> {
      Tensor[] in = new Tensor[positions.length];
      for (int k = 0; k < in.length; k++) {
        String name = names[k];
        in[k] = name != null ? c.in(name) : constants[k];
      }
      Tensor out = c.out(0);
      long[][] shapes = new long[in.length][];
      for (int k = 0; k < in.length; k++) {
        shapes[k] = in[k].shapeRef();
      }
      long[] expected = Shapes.broadcast(shapes);
      if (!Arrays.equals(expected, out.shapeRef())) {
        throw new IllegalArgumentException("output shape " + Arrays.toString(out.shapeRef())
            + " is not the inputs' broadcast shape " + Arrays.toString(expected));
      }
      Elementwise.map(out, in, op);
    };
  }

  /** A 0-dim float64 tensor holding {@code v}: scalars broadcast like any other operand. */
  static Tensor constant(double v) {
    Tensor t = Tensor.heap(DType.FLOAT64);
    t.set(v);
    return t;
  }

  // ---------------------------------------------------------------------------------------------
  // row loops shared by several operators

  private static Binary addScaled(double alpha) {
    if (alpha == 1) {
      return (x, y, o, n) -> {
        for (int i = 0; i < n; i++) {
          o[i] = x[i] + y[i];
        }
      };
    }
    return (x, y, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = x[i] + alpha * y[i];
      }
    };
  }

  private static void divide(double[] x, double[] y, double[] o, int n) {
    for (int i = 0; i < n; i++) {
      o[i] = x[i] / y[i];
    }
  }

  private static void select(double[] cond, double[] x, double[] y, double[] o, int n) {
    for (int i = 0; i < n; i++) {
      o[i] = cond[i] != 0 ? x[i] : y[i];
    }
  }

  private static void clamp(double[] x, double lo, double hi, double[] o, int n) {
    for (int i = 0; i < n; i++) {
      double v = x[i];
      // comparisons are false for NaN, so NaN passes through as in ATen
      o[i] = v < lo ? lo : (v > hi ? hi : v);
    }
  }

  private static void pow(double[] x, double e, double[] o, int n) {
    if (e == 2) {
      for (int i = 0; i < n; i++) {
        o[i] = x[i] * x[i];
      }
    } else if (e == 0.5) {
      for (int i = 0; i < n; i++) {
        o[i] = Math.sqrt(x[i]);
      }
    } else {
      for (int i = 0; i < n; i++) {
        o[i] = Math.pow(x[i], e);
      }
    }
  }
}
