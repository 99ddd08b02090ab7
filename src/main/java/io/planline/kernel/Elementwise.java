package io.planline.kernel;

import java.util.Arrays;

/**
 * The elementwise engine: broadcasts inputs to the output's shape, merges dimensions that are
 * contiguous in every operand, then walks the outer dimensions with a {@link Cursor} and hands
 * the operation whole rows (up to {@link #CHUNK} elements) as double arrays.
 *
 * <p>The operation is called once per row chunk, never per element, and its loop is a plain array
 * loop the JIT can vectorize. Computing in double and rounding once on store gives the same
 * result as float arithmetic for + - * / and sqrt, and a more accurate one for exp and tanh.
 */
final class Elementwise {

  /** Elements per row chunk: big enough to amortize the call, small enough for L1. */
  static final int CHUNK = 1024;

  /** One operation over a chunk of rows: out[i] = f(in[0][i], in[1][i], ...) for i < n. */
  @FunctionalInterface
  interface RowOp {
    /** Writes {@code n} results into {@code out} from the first {@code n} entries of each input. */
    void apply(double[][] in, double[] out, int n);
  }

  private Elementwise() {}

  /**
   * Computes {@code op} over {@code inputs} broadcast to {@code out}'s shape, into {@code out}.
   *
   * @throws IllegalArgumentException if an input does not broadcast to the output shape
   */
  static void map(Tensor out, Tensor[] inputs, RowOp op) {
    long[] shape = out.shapeRef();
    Tensor[] ops = new Tensor[inputs.length + 1];
    ops[0] = out;
    for (int i = 0; i < inputs.length; i++) {
      ops[i + 1] = inputs[i].expand(shape);
    }
    if (out.numel() == 0) {
      return;
    }
    Merged g = Merged.of(shape, ops);
    int last = g.shape.length - 1;
    long n = g.shape[last];
    long[] outer = Arrays.copyOf(g.shape, last);
    int[] bases = new int[ops.length];
    for (int k = 0; k < ops.length; k++) {
      bases[k] = ops[k].byteOffset();
    }
    Cursor cur = new Cursor(outer, ops, g.strides, bases);
    int chunk = (int) Math.min(n, CHUNK);
    double[][] in = new double[inputs.length][chunk];
    double[] res = new double[chunk];
    do {
      for (long j0 = 0; j0 < n; j0 += CHUNK) {
        int m = (int) Math.min(CHUNK, n - j0);
        for (int k = 1; k < ops.length; k++) {
          long s = g.strides[k][last];
          int b = cur.offset(k) + (int) (j0 * s * ops[k].dtype().itemSize());
          Rows.load(ops[k], b, m, s, in[k - 1], 0);
        }
        op.apply(in, res, m);
        long s = g.strides[0][last];
        Rows.store(out, cur.offset(0) + (int) (j0 * s * out.dtype().itemSize()), m, s, res, 0);
      }
    } while (cur.next());
  }

  /**
   * Dimensions after dropping size-1 ones and merging neighbours that are contiguous in every
   * operand, so that e.g. a contiguous [8, 16, 32] add becomes one row of 4096. Always rank >= 1.
   */
  static final class Merged {
    final long[] shape;
    final long[][] strides;

    private Merged(long[] shape, long[][] strides) {
      this.shape = shape;
      this.strides = strides;
    }

    static Merged of(long[] shape, Tensor[] ops) {
      int rank = shape.length;
      long[] sh = new long[Math.max(rank, 1)];
      long[][] st = new long[ops.length][Math.max(rank, 1)];
      int r = 0;
      for (int d = rank - 1; d >= 0; d--) {
        if (shape[d] == 1) {
          continue;
        }
        if (r > 0 && mergeable(ops, d, st, r, sh[r - 1])) {
          sh[r - 1] *= shape[d];
          continue;
        }
        sh[r] = shape[d];
        for (int k = 0; k < ops.length; k++) {
          st[k][r] = ops[k].strideRef()[d];
        }
        r++;
      }
      if (r == 0) {
        sh[0] = 1;
        r = 1;
      }
      // collected innermost-first; reverse into row-major order
      long[] outShape = new long[r];
      long[][] outStrides = new long[ops.length][r];
      for (int i = 0; i < r; i++) {
        outShape[i] = sh[r - 1 - i];
        for (int k = 0; k < ops.length; k++) {
          outStrides[k][i] = st[k][r - 1 - i];
        }
      }
      return new Merged(outShape, outStrides);
    }

    /** Whether dim d folds into the last collected (inner) dim at r-1 in every operand. */
    private static boolean mergeable(Tensor[] ops, int d, long[][] st, int r, long innerSize) {
      for (int k = 0; k < ops.length; k++) {
        if (ops[k].strideRef()[d] != st[k][r - 1] * innerSize) {
          return false;
        }
      }
      return true;
    }
  }
}
