package io.planline.backend.cuda;

import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes a kernel's parameter block: the by-value struct each kernel in {@code src/main/cuda}
 * takes, field by field in declaration order. Every field is 8 bytes (int64 or double), so the
 * layout has no padding to get wrong; arrays are written at their declared length.
 */
final class Params {

  /** Dimensions a kernel walks at most ({@code PL_MAXD} in common.cuh). */
  static final int MAXD = 8;

  private final ByteBuffer b = ByteBuffer.allocate(2048).order(ByteOrder.LITTLE_ENDIAN);

  /** An int64 field. */
  Params i64(long v) {
    b.putLong(v);
    return this;
  }

  /** A double field. */
  Params f64(double v) {
    b.putDouble(v);
    return this;
  }

  /** An int64[length] field: {@code v} then zeros. */
  Params i64s(long[] v, int length) {
    if (v.length > length) {
      throw new IllegalArgumentException(v.length + " values for a field of " + length);
    }
    for (int i = 0; i < length; i++) {
      b.putLong(i < v.length ? v[i] : 0);
    }
    return this;
  }

  /** An {@code Operand}: address, element type, strides[MAXD]. */
  Params operand(long address, DType dtype, long[] strides) {
    return i64(address).i64(dtypeCode(dtype)).i64s(strides, MAXD);
  }

  /** An absent {@code Operand} (address 0). */
  Params noOperand() {
    return i64(0).i64(0).i64s(new long[0], MAXD);
  }

  /** The block's bytes. */
  byte[] bytes() {
    byte[] out = new byte[b.position()];
    b.duplicate().flip().get(out);
    return out;
  }

  /**
   * The element-type code of common.cuh.
   *
   * @throws IllegalArgumentException for types the kernels do not read or write
   */
  static long dtypeCode(DType t) {
    return switch (t) {
      case FLOAT32 -> 0;
      case FLOAT64 -> 1;
      case INT64 -> 2;
      case INT32 -> 3;
      case INT16 -> 4;
      case INT8 -> 5;
      case UINT8 -> 6;
      case BOOL -> 7;
      case FLOAT16, BFLOAT16, FLOAT8_E4M3FN, FLOAT8_E5M2, COMPLEX64 ->
          throw new IllegalArgumentException("the CUDA kernels do not handle " + t);
    };
  }
}
