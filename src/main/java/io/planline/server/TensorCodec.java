package io.planline.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.planline.backend.HostTensor;
import io.planline.ir.DType;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

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

  /**
   * Checks that {@code data} is laid out as {@code shape}: flat (a list of every element, or one
   * value for a one-element tensor) or nested exactly as the shape says (one list level per
   * dimension, each as long as its dimension). Counting leaves alone would take ragged lists, or
   * a single value buried a thousand lists deep, as if they were the tensor.
   *
   * @throws ApiException (400) naming the input and the first place that does not fit
   */
  public static void checkLayout(String input, JsonNode data, long[] shape) {
    long elements = HostTensor.elements(shape);
    String shapeText = Arrays.toString(shape);
    if (!data.isArray()) {
      if (elements != 1) {
        throw ApiException.badRequest("input '" + input + "': shape " + shapeText + " holds "
            + elements + " elements, 'data' is a single value");
      }
      return;
    }
    boolean flat = true;
    for (JsonNode child : data) {
      flat &= !child.isArray();
    }
    if (flat) {
      if (data.size() != elements) {
        throw ApiException.badRequest("input '" + input + "': shape " + shapeText + " holds "
            + elements + " elements, 'data' has " + data.size());
      }
      return;
    }
    nested(input, shapeText, data, shape, new int[shape.length]);
  }

  /** Walks nested data down to the shape's rank; {@code at} is the index path, for messages. */
  private static void nested(String input, String shapeText, JsonNode node, long[] shape,
      int[] at) {
    int dim = depth(at);
    String where = "data" + path(at, dim);
    if (dim == shape.length) {
      if (node.isArray()) {
        throw ApiException.badRequest("input '" + input + "': " + where + " is a list, but shape "
            + shapeText + " has only " + shape.length + " dimensions (nest 'data' exactly as the"
            + " shape, or send it flat)");
      }
      return;
    }
    if (!node.isArray() || node.size() != shape[dim]) {
      throw ApiException.badRequest("input '" + input + "': " + where + " has "
          + (node.isArray() ? node.size() + " elements" : "a single value") + ", but dimension "
          + dim + " of shape " + shapeText + " is " + shape[dim] + " (nest 'data' exactly as the"
          + " shape, or send it flat)");
    }
    for (int i = 0; i < node.size(); i++) {
      at[dim] = i + 1; // 1-based while walking so that 0 marks "not this deep yet"
      nested(input, shapeText, node.get(i), shape, at);
    }
    at[dim] = 0;
  }

  private static int depth(int[] at) {
    int d = 0;
    while (d < at.length && at[d] > 0) {
      d++;
    }
    return d;
  }

  private static String path(int[] at, int depth) {
    StringBuilder b = new StringBuilder();
    for (int d = 0; d < depth; d++) {
      b.append('[').append(at[d] - 1).append(']');
    }
    return b.toString();
  }

  /**
   * Encodes {@code data} as {@code elements} values of {@code type}, little-endian.
   *
   * <p>Requires: {@code type} has a planline element type and {@code data} passed
   * {@link #checkLayout} for a shape of {@code elements} elements.
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
      case FP16 -> {
        short h = HalfFloats.floatToHalf((float) real(input, index, node, type));
        finite(input, index, node, type, Float.isInfinite(HalfFloats.halfToFloat(h)));
        out.putShort(h);
      }
      case BF16 -> {
        short h = HalfFloats.floatToBf16((float) real(input, index, node, type));
        finite(input, index, node, type, Float.isInfinite(HalfFloats.bf16ToFloat(h)));
        out.putShort(h);
      }
      case FP32 -> {
        float f = (float) real(input, index, node, type);
        finite(input, index, node, type, Float.isInfinite(f));
        out.putFloat(f);
      }
      case FP64 -> {
        double d = real(input, index, node, type);
        finite(input, index, node, type, Double.isInfinite(d));
        out.putDouble(d);
      }
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

  /**
   * Refuses a number literal that became infinite in {@code type}: the client wrote a finite
   * value the type cannot hold, and passing it on as infinity would turn outputs into NaN. An
   * infinity sent on purpose is the string {@code "Infinity"} (or raw bytes, in binary form).
   */
  private static void finite(String input, int index, JsonNode node, Datatype type,
      boolean infinite) {
    if (infinite && node.isNumber()) {
      double v = node.doubleValue();
      String value = Double.isInfinite(v) ? "a number beyond even the FP64 range" : "" + v;
      throw ApiException.badRequest("input '" + input + "': element " + index + " is " + value
          + ", outside the " + type + " range ±" + maxOf(type) + " (send \"Infinity\" or"
          + " \"-Infinity\" for an infinity)");
    }
  }

  private static String maxOf(Datatype type) {
    return switch (type) {
      case FP16 -> "65504";
      case BF16 -> "3.3895314E38";
      case FP32 -> Float.toString(Float.MAX_VALUE);
      default -> Double.toString(Double.MAX_VALUE);
    };
  }

  /** A float element: a number, or {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}. */
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

  /**
   * Writes elements {@code from} (inclusive) to {@code to} (exclusive) of {@code tensor}, flat
   * and row-major, as JSON values; a response streams a large output a slice at a time. The
   * response writer formats float32 data itself, straight into its bytes ({@link JsonFloats});
   * here it goes through the generator's fast writer, which gives the same text.
   */
  public static void writeJson(HostTensor tensor, long from, long to, JsonGenerator out)
      throws IOException {
    DType t = tensor.dtype();
    ByteBuffer b = tensor.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    b.position(Math.toIntExact(from * t.itemSize()));
    for (long i = from; i < to; i++) {
      switch (t) {
        case BOOL -> out.writeBoolean(b.get() != 0);
        case UINT8 -> out.writeNumber(b.get() & 0xff);
        case INT8 -> out.writeNumber(b.get());
        case INT16 -> out.writeNumber(b.getShort());
        case INT32 -> out.writeNumber(b.getInt());
        case INT64 -> out.writeNumber(b.getLong());
        case FLOAT16 -> out.writeNumber(HalfFloats.halfToFloat(b.getShort()));
        case BFLOAT16 -> out.writeNumber(HalfFloats.bf16ToFloat(b.getShort()));
        case FLOAT32 -> out.writeNumber(b.getFloat());
        case FLOAT64 -> out.writeNumber(b.getDouble());
        case FLOAT8_E4M3FN, FLOAT8_E5M2, COMPLEX64 -> throw unsupported(tensor.name(), t);
      }
    }
  }

  /**
   * The most characters one element of {@code t} takes as JSON, separator included
   * ({@code -1.17549435E-38,} for FLOAT32): what bounds a response before it is written.
   */
  public static int jsonWidth(String name, DType t) {
    return switch (t) {
      case BOOL -> 6;
      case UINT8 -> 4;
      case INT8 -> 5;
      case INT16 -> 7;
      case INT32 -> 12;
      case INT64 -> 21;
      case FLOAT16, BFLOAT16, FLOAT32 -> 16;
      case FLOAT64 -> 25;
      case FLOAT8_E4M3FN, FLOAT8_E5M2, COMPLEX64 -> throw unsupported(name, t);
    };
  }

  private static IllegalArgumentException unsupported(String name, DType t) {
    return new IllegalArgumentException("output '" + name + "' is " + t
        + ", which the protocol cannot carry");
  }
}
