package io.planline.kernel;

import io.planline.ir.DType;
import java.nio.ByteBuffer;

/**
 * Row transfers between strided tensor memory and double arrays, with the dtype switch hoisted
 * out of the element loop: every kernel computes on such rows in tight loops.
 */
final class Rows {

  /** Staging rows for bulk float32 transfers; each thread only uses its own within one call. */
  private static final ThreadLocal<float[][]> STAGING =
      ThreadLocal.withInitial(() -> new float[][] {new float[1024]});

  private Rows() {}

  /** This thread's staging row of at least {@code n} floats (contents undefined). */
  private static float[] floatScratch(int n) {
    float[][] holder = STAGING.get();
    if (holder[0].length < n) {
      holder[0] = new float[Math.max(n, 2 * holder[0].length)];
    }
    return holder[0];
  }

  /** Loads {@code n} elements from byte {@code b}, {@code s} elements apart, into dst[off..]. */
  static void load(Tensor t, int b, int n, long s, double[] dst, int off) {
    ByteBuffer buf = t.data();
    switch (t.dtype()) {
      case FLOAT32 -> {
        if (s == 1 && (b & 3) == 0) {
          // one bulk copy, then a widening loop the JIT vectorizes: per-element buffer reads
          // were a tenth of a GPT's samples
          float[] tmp = floatScratch(n);
          t.floats().get(b >> 2, tmp, 0, n);
          for (int i = 0; i < n; i++) {
            dst[off + i] = tmp[i];
          }
        } else {
          int step = (int) s * 4;
          for (int i = 0; i < n; i++) {
            dst[off + i] = buf.getFloat(b + i * step);
          }
        }
      }
      case FLOAT64 -> {
        int step = (int) s * 8;
        for (int i = 0; i < n; i++) {
          dst[off + i] = buf.getDouble(b + i * step);
        }
      }
      case INT64 -> {
        int step = (int) s * 8;
        for (int i = 0; i < n; i++) {
          dst[off + i] = buf.getLong(b + i * step);
        }
      }
      case INT32 -> {
        int step = (int) s * 4;
        for (int i = 0; i < n; i++) {
          dst[off + i] = buf.getInt(b + i * step);
        }
      }
      default -> {
        int step = (int) s * t.dtype().itemSize();
        for (int i = 0; i < n; i++) {
          dst[off + i] = loadDouble(t, b + i * step);
        }
      }
    }
  }

  /** Stores src[off..off+n) to byte {@code b}, {@code s} elements apart, converting to dtype. */
  static void store(Tensor t, int b, int n, long s, double[] src, int off) {
    ByteBuffer buf = t.data();
    switch (t.dtype()) {
      case FLOAT32 -> {
        if (s == 1 && (b & 3) == 0) {
          float[] tmp = floatScratch(n);
          for (int i = 0; i < n; i++) {
            tmp[i] = (float) src[off + i];
          }
          t.floats().put(b >> 2, tmp, 0, n);
        } else {
          int step = (int) s * 4;
          for (int i = 0; i < n; i++) {
            buf.putFloat(b + i * step, (float) src[off + i]);
          }
        }
      }
      case INT64 -> {
        int step = (int) s * 8;
        for (int i = 0; i < n; i++) {
          buf.putLong(b + i * step, (long) src[off + i]);
        }
      }
      default -> {
        int step = (int) s * t.dtype().itemSize();
        for (int i = 0; i < n; i++) {
          storeDouble(t, b + i * step, src[off + i]);
        }
      }
    }
  }

  /** Loads {@code n} float32 elements (only) from byte {@code b}, {@code s} apart, into dst. */
  static void loadFloats(Tensor t, int b, int n, long s, float[] dst, int off) {
    requireFloat32(t);
    if (s == 1 && (b & 3) == 0) {
      t.floats().get(b >> 2, dst, off, n);
    } else {
      ByteBuffer buf = t.data();
      int step = (int) s * 4;
      for (int i = 0; i < n; i++) {
        dst[off + i] = buf.getFloat(b + i * step);
      }
    }
  }

  /** Stores {@code n} floats from src[off..] as float32 at byte {@code b}, {@code s} apart. */
  static void storeFloats(Tensor t, int b, int n, long s, float[] src, int off) {
    requireFloat32(t);
    if (s == 1 && (b & 3) == 0) {
      t.floats().put(b >> 2, src, off, n);
    } else {
      ByteBuffer buf = t.data();
      int step = (int) s * 4;
      for (int i = 0; i < n; i++) {
        buf.putFloat(b + i * step, src[off + i]);
      }
    }
  }

  /**
   * Copies {@code n} float32 elements from byte {@code fb} of {@code from}, {@code fs} apart, to
   * byte {@code tb} of {@code to}, {@code ts} apart, through this thread's staging row.
   */
  static void copyFloats(Tensor from, int fb, long fs, Tensor to, int tb, long ts, int n) {
    float[] row = floatScratch(n);
    loadFloats(from, fb, n, fs, row, 0);
    storeFloats(to, tb, n, ts, row, 0);
  }

  /** One element at byte {@code b}, as a double. */
  static double loadDouble(Tensor t, int b) {
    ByteBuffer buf = t.data();
    return switch (t.dtype()) {
      case FLOAT32 -> buf.getFloat(b);
      case FLOAT64 -> buf.getDouble(b);
      case INT64 -> buf.getLong(b);
      case INT32 -> buf.getInt(b);
      case INT16 -> buf.getShort(b);
      case INT8 -> buf.get(b);
      case UINT8 -> buf.get(b) & 0xff;
      case BOOL -> buf.get(b) != 0 ? 1 : 0;
      default -> throw unsupported(t.dtype());
    };
  }

  /** One element at byte {@code b}, as a long (floating values truncate toward zero). */
  static long loadLong(Tensor t, int b) {
    return t.dtype() == DType.INT64 ? t.data().getLong(b) : (long) loadDouble(t, b);
  }

  /** Stores one element at byte {@code b}, converted from double to the tensor's dtype. */
  static void storeDouble(Tensor t, int b, double v) {
    ByteBuffer buf = t.data();
    switch (t.dtype()) {
      case FLOAT32 -> buf.putFloat(b, (float) v);
      case FLOAT64 -> buf.putDouble(b, v);
      case INT64 -> buf.putLong(b, (long) v);
      case INT32 -> buf.putInt(b, (int) v);
      case INT16 -> buf.putShort(b, (short) v);
      case INT8, UINT8 -> buf.put(b, (byte) v);
      case BOOL -> buf.put(b, (byte) (v != 0 ? 1 : 0));
      default -> throw unsupported(t.dtype());
    }
  }

  /** Stores one int64 element exactly (no round trip through double). */
  static void storeLong(Tensor t, int b, long v) {
    if (t.dtype() == DType.INT64) {
      t.data().putLong(b, v);
    } else {
      storeDouble(t, b, v);
    }
  }

  static void requireFloat32(Tensor t) {
    if (t.dtype() != DType.FLOAT32) {
      throw new IllegalArgumentException("expected float32, got " + t);
    }
  }

  private static IllegalArgumentException unsupported(DType d) {
    return new IllegalArgumentException("dtype " + d + " is not supported by the CPU kernels");
  }
}
