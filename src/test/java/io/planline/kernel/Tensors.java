package io.planline.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import io.planline.ir.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Test helpers: random tensors in several memory layouts (contiguous, permuted, sliced,
 * expanded), NaN-poisoned outputs, a one-call kernel runner and a tolerance check that reports
 * the worst element.
 */
final class Tensors {

  /** How a test input is laid out in memory; all layouts hold the same logical values. */
  enum Layout { CONTIGUOUS, PERMUTED, SLICED }

  private Tensors() {}

  /** Uniform values in [-2, 2) from {@code seed}, in the given layout. */
  static Tensor random(long seed, Layout layout, long... shape) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[(int) Tensor.numel(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextDouble() * 4 - 2;
    }
    return withValues(v, DType.FLOAT32, layout, shape);
  }

  /** A tensor holding {@code values} (row-major) in the given layout and dtype. */
  static Tensor withValues(double[] values, DType dtype, Layout layout, long... shape) {
    Tensor t = switch (layout) {
      case CONTIGUOUS -> Tensor.allocate(dtype, shape);
      case PERMUTED -> {
        // store the dims reversed, then permute back: logical shape, transposed strides
        int n = shape.length;
        long[] rev = new long[n];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
          rev[i] = shape[n - 1 - i];
          order[i] = n - 1 - i;
        }
        yield Tensor.allocate(dtype, rev).permute(order);
      }
      case SLICED -> {
        // every dim padded by 3 and offset by 1, and the last dim stepped by 2
        long[] big = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
          big[i] = shape[i] + 3 + (i == shape.length - 1 ? shape[i] : 0);
        }
        Tensor b = Tensor.allocate(dtype, big);
        b.fill(Double.NaN);
        long[] st = b.stride();
        long off = 0;
        for (int i = 0; i < shape.length; i++) {
          off += st[i];
        }
        if (shape.length > 0) {
          st[shape.length - 1] *= 2;
        }
        yield b.asStrided(shape, st, off);
      }
    };
    int[] i = {0};
    forEachIndex(shape, idx -> t.set(values[i[0]++], idx));
    return t;
  }

  /** {@code t}'s values in a new [N, C, H, W] tensor stored channels-last ([N, H, W, C]). */
  static Tensor channelsLast(Tensor t) {
    long[] s = t.shape();
    Tensor moved = Tensor.allocate(t.dtype(), s[0], s[2], s[3], s[1]).permute(0, 3, 1, 2);
    forEachIndex(s, i -> moved.set(t.get(i), i));
    return moved;
  }

  /** A float32 tensor of {@code shape} filled with NaN, so unwritten outputs show up. */
  static Tensor poisoned(long... shape) {
    return poisoned(DType.FLOAT32, Layout.CONTIGUOUS, shape);
  }

  /** A NaN-filled (or, for integer dtypes, -77-filled) output in the given layout. */
  static Tensor poisoned(DType dtype, Layout layout, long... shape) {
    double[] v = new double[(int) Tensor.numel(shape)];
    Arrays.fill(v, dtype == DType.FLOAT32 || dtype == DType.FLOAT64 ? Double.NaN : -77);
    return withValues(v, dtype, layout, shape);
  }

  /** Calls {@code body} with every index of {@code shape}, row-major (once for a scalar). */
  static void forEachIndex(long[] shape, Consumer<long[]> body) {
    if (Tensor.numel(shape) == 0) {
      return;
    }
    long[] idx = new long[shape.length];
    while (true) {
      body.accept(idx);
      int d = shape.length - 1;
      while (d >= 0 && ++idx[d] == shape[d]) {
        idx[d] = 0;
        d--;
      }
      if (d < 0) {
        return;
      }
    }
  }

  /** Prepares and runs one call with the CPU library over named tensors. */
  static void run(String op, List<String> args, List<String> outputs, Map<String, Tensor> ts) {
    Map<String, Tensor> copy = new HashMap<>(ts);
    KernelLibrary.cpu().prepare(op, args, outputs).run(copy::get);
  }

  /** Names for a map literal: {@code named("x", tx, "y", ty)}. */
  static Map<String, Tensor> named(Object... pairs) {
    Map<String, Tensor> m = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((String) pairs[i], (Tensor) pairs[i + 1]);
    }
    return m;
  }

  /** Elementwise results: relative error at most 1e-5 (down to magnitudes of 1e-6). */
  static void assertElementwise(double[] expected, Tensor actual, String what) {
    assertClose(expected, actual, 1e-5, 1e-6, what);
  }

  /** Reductions and products: error at most 1e-4 relative to max(|expected|, 1). */
  static void assertReduction(double[] expected, Tensor actual, String what) {
    assertClose(expected, actual, 1e-4, 1, what);
  }

  /**
   * Asserts {@code |actual - expected| <= tol * max(floor, |expected|)} everywhere (NaN only
   * where NaN is expected, infinities exactly), reporting the worst elements.
   */
  static void assertClose(double[] expected, Tensor actual, double tol, double floor,
      String what) {
    double[] a = actual.toDoubleArray();
    if (a.length != expected.length) {
      fail(what + ": " + a.length + " elements, expected " + expected.length);
    }
    List<String> bad = new ArrayList<>();
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      double e = expected[i];
      boolean ok = Double.isNaN(e) ? Double.isNaN(a[i])
          : e == a[i] || Math.abs(a[i] - e) <= tol * Math.max(floor, Math.abs(e));
      if (!ok) {
        worst = Double.isNaN(a[i]) ? Double.NaN : Math.max(worst, Math.abs(a[i] - e));
        if (bad.size() < 5) {
          bad.add("[" + i + "] " + a[i] + " vs " + e);
        }
      }
    }
    if (!bad.isEmpty()) {
      fail(what + ": max diff " + worst + " at " + bad);
    }
  }
}
