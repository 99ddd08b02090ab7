package io.planline.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.planline.backend.HostTensor;
import io.planline.ir.DType;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts tensor contents between the protocol's JSON {@code data} (a row-major list, flat or
 * nested) and the little-endian bytes of a {@link HostTensor}, checking every element against its
 * datatype: booleans for {@code BOOL}, integers in range for the integer types, numbers (or
 * {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}) for the float types.
 */
public final class TensorCodec {

  private static final BigInteger UINT64_MAX =
      BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private TensorCodec() {}

  /** The number of leaf elements of a flat or nested JSON list (a scalar counts as one). */
  public static long countElements(JsonNode data) {
    if (!data.isArray()) {
      return 1;
    }
    long n = 0;
    for (JsonNode child : data) {
      n += countElements(child);
    }
    return n;
  }

  /**
   * Encodes {@code data} as {@code elements} values of {@code type}, little-endian.
   *
   * <p>Requires: {@code type} has a planline element type and {@code countElements(data)} equals
   * {@code elements} (the caller reports a count mismatch with the shape in its message).
   *
   * @throws ApiException (400) naming {@code input} and the first element that does not fit
   */
  public static ByteBuffer fromJson(String input, Datatype type, JsonNode data, long elements) {
    if (type.dtype() == null) {
      throw new IllegalArgumentException("no planline type holds " + type);
    }
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(elements * type.itemSize()))
        .order(ByteOrder.LITTLE_ENDIAN);
    write(input, type, data, out);
    if (out.hasRemaining()) {
      throw new IllegalStateException("input '" + input + "': element count changed while"
          + " encoding");
    }
    return out.flip();
  }

  private static void write(String input, Datatype type, JsonNode node, ByteBuffer out) {
    if (node.isArray()) {
      for (JsonNode child : node) {
        write(input, type, child, out);
      }
      return;
    }
    int index = out.position() / type.itemSize();
    switch (type) {
      case BOOL -> {
        if (!node.isBoolean()) {
          throw bad(input, index, node, "a BOOL (true or false)");
        }
        out.put((byte) (node.booleanValue() ? 1 : 0));
      }
      case UINT8 -> out.put((byte) integer(input, index, node, type, 0, 0xff));
      case INT8 -> out.put(
          (byte) integer(input, index, node, type, Byte.MIN_VALUE, Byte.MAX_VALUE));
      case INT16 -> out.putShort(
          (short) integer(input, index, node, type, Short.MIN_VALUE, Short.MAX_VALUE));
      case UINT16 -> out.putShort((short) integer(input, index, node, type, 0, 0xffff));
      case INT32 -> out.putInt(
          (int) integer(input, index, node, type, Integer.MIN_VALUE, Integer.MAX_VALUE));
      case UINT32 -> out.putInt((int) integer(input, index, node, type, 0, 0xffff_ffffL));
      case INT64 -> out.putLong(integer(input, index, node, type, Long.MIN_VALUE, Long.MAX_VALUE));
      case UINT64 -> out.putLong(unsigned64(input, index, node));
      case FP16 -> out.putShort(HalfFloats.floatToHalf((float) real(input, index, node, type)));
      case BF16 -> out.putShort(HalfFloats.floatToBf16((float) real(input, index, node, type)));
      case FP32 -> out.putFloat((float) real(input, index, node, type));
      case FP64 -> out.putDouble(real(input, index, node, type));
      case BYTES -> throw new IllegalArgumentException("no planline type holds BYTES");
    }
  }

  private static long integer(String input, int index, JsonNode node, Datatype type, long min,
      long max) {
    if (!node.isNumber() || !node.canConvertToExactIntegral()) {
      throw bad(input, index, node, "an integer (" + type + ")");
    }
    BigInteger v = node.bigIntegerValue();
    if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
      throw bad(input, index, node, "in the " + type + " range " + min + ".." + max);
    }
    return v.longValue();
  }

  private static long unsigned64(String input, int index, JsonNode node) {
    if (!node.isNumber() || !node.canConvertToExactIntegral()) {
      throw bad(input, index, node, "an integer (UINT64)");
    }
    BigInteger v = node.bigIntegerValue();
    if (v.signum() < 0 || v.compareTo(UINT64_MAX) > 0) {
      throw bad(input, index, node, "in the UINT64 range 0.." + UINT64_MAX);
    }
    return v.longValue();
  }

  private static double real(String input, int index, JsonNode node, Datatype type) {
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isTextual()) {
      switch (node.textValue()) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
      }
    }
    throw bad(input, index, node, "a number (" + type + ")");
  }

  private static ApiException bad(String input, int index, JsonNode node, String expected) {
    String shown = node.toString();
    if (shown.length() > 40) {
      shown = shown.substring(0, 40) + "…";
    }
    return ApiException.badRequest("input '" + input + "': element " + index + " is " + shown
        + ", expected " + expected);
  }

  /** Appends every element of {@code tensor} to {@code out}, flat and row-major. */
  public static void toJson(HostTensor tensor, ArrayNode out) {
    ByteBuffer b = tensor.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    long n = tensor.elements();
    DType t = tensor.dtype();
    for (long i = 0; i < n; i++) {
      switch (t) {
        case BOOL -> out.add(b.get() != 0);
        case UINT8 -> out.add(b.get() & 0xff);
        case INT8 -> out.add(b.get());
        case INT16 -> out.add(b.getShort());
        case INT32 -> out.add(b.getInt());
        case INT64 -> out.add(b.getLong());
        case FLOAT16 -> out.add(HalfFloats.halfToFloat(b.getShort()));
        case BFLOAT16 -> out.add(HalfFloats.bf16ToFloat(b.getShort()));
        case FLOAT32 -> out.add(b.getFloat());
        case FLOAT64 -> out.add(b.getDouble());
        case FLOAT8_E4M3FN, FLOAT8_E5M2, COMPLEX64 -> throw new IllegalArgumentException(
            "output '" + tensor.name() + "' is " + t + ", which the protocol cannot carry");
      }
    }
  }
}
