package io.planline.server.grpc;

import io.planline.backend.HostTensor;
import io.planline.ir.DType;
import io.planline.server.ApiException;
import io.planline.server.Datatype;
import io.planline.server.grpc.v2.InferTensorContents;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Converts between the protocol's typed tensor contents ({@code InferTensorContents}: one
 * repeated member per family of datatypes) and the little-endian bytes of a {@link HostTensor}.
 * FP16 and BF16 have no member: they travel only as raw contents.
 */
final class TypedContents {

  private TypedContents() {}

  /** The member of {@code InferTensorContents} that carries {@code type}, or null for none. */
  static @Nullable String member(Datatype type) {
    return switch (type) {
      case BOOL -> "bool_contents";
      case INT8, INT16, INT32 -> "int_contents";
      case INT64 -> "int64_contents";
      case UINT8, UINT16, UINT32 -> "uint_contents";
      case UINT64 -> "uint64_contents";
      case FP32 -> "fp32_contents";
      case FP64 -> "fp64_contents";
      case BYTES -> "bytes_contents";
      case FP16, BF16 -> null;
    };
  }

  /**
   * The elements of {@code contents} as {@code elements} little-endian values of {@code type}.
   * Types that no planline tensor holds (UINT16..UINT64, BYTES) come back empty after their
   * count is checked: no model takes them, so binding refuses them by datatype, as over REST.
   *
   * @param where the input, for messages ({@code input 'x'})
   * @throws ApiException (400) for a member that does not belong to the datatype, a count that
   *     does not match the shape, or an element out of the datatype's range
   */
  static ByteBuffer decode(String where, Datatype type, String shape, InferTensorContents contents,
      long elements) {
    String member = member(type);
    if (member == null) {
      throw ApiException.badRequest(where + ": " + type + " has no typed contents member; send"
          + " its little-endian bytes in raw_input_contents");
    }
    int count = 0;
    for (Map.Entry<String, Integer> e : counts(contents).entrySet()) {
      if (e.getKey().equals(member)) {
        count = e.getValue();
      } else if (e.getValue() > 0) {
        throw ApiException.badRequest(where + ": " + type + " elements go in contents." + member
            + ", but contents." + e.getKey() + " is set");
      }
    }
    if (count != elements) {
      throw ApiException.badRequest(where + ": shape " + shape + " holds " + elements
          + " elements, contents." + member + " has " + count);
    }
    if (type.dtype() == null) {
      return ByteBuffer.allocate(0);
    }
    ByteBuffer out = ByteBuffer.allocate(count * type.itemSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < count; i++) {
      switch (type) {
        case BOOL -> out.put((byte) (contents.getBoolContents(i) ? 1 : 0));
        case INT8 -> out.put((byte) ranged(where, i, contents.getIntContents(i), type, -128, 127));
        case INT16 -> out.putShort(
            (short) ranged(where, i, contents.getIntContents(i), type, -32768, 32767));
        case INT32 -> out.putInt(contents.getIntContents(i));
        case INT64 -> out.putLong(contents.getInt64Contents(i));
        case UINT8 -> out.put((byte) ranged(where, i,
            Integer.toUnsignedLong(contents.getUintContents(i)), type, 0, 255));
        case FP32 -> out.putFloat(contents.getFp32Contents(i));
        case FP64 -> out.putDouble(contents.getFp64Contents(i));
        case UINT16, UINT32, UINT64, BYTES, FP16, BF16 ->
            throw new IllegalStateException("no planline tensor holds " + type);
      }
    }
    return out.flip();
  }

  /** How many elements each member of {@code contents} holds, in the message's field order. */
  private static Map<String, Integer> counts(InferTensorContents c) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    counts.put("bool_contents", c.getBoolContentsCount());
    counts.put("int_contents", c.getIntContentsCount());
    counts.put("int64_contents", c.getInt64ContentsCount());
    counts.put("uint_contents", c.getUintContentsCount());
    counts.put("uint64_contents", c.getUint64ContentsCount());
    counts.put("fp32_contents", c.getFp32ContentsCount());
    counts.put("fp64_contents", c.getFp64ContentsCount());
    counts.put("bytes_contents", c.getBytesContentsCount());
    return counts;
  }

  /** {@code value} when it lies in {@code min..max}; else the REST reader's range message. */
  private static long ranged(String where, int index, long value, Datatype type, long min,
      long max) {
    if (value < min || value > max) {
      throw ApiException.badRequest(where + ": element " + index + " is " + value
          + ", expected in the " + type + " range " + min + ".." + max);
    }
    return value;
  }

  /** Whether an output of {@code dtype} can travel as typed contents (FP16, BF16 cannot). */
  static boolean typed(DType dtype) {
    return member(Datatype.of(dtype)) != null;
  }

  /**
   * The most bytes {@code elements} typed values of {@code dtype} take on the wire: varints take
   * up to 10 bytes (a negative int32 among them), fixed-width members their width.
   */
  static long maxBytes(DType dtype, long elements) {
    int each = switch (Datatype.of(dtype)) {
      case BOOL -> 1;
      case UINT8 -> 2;
      case FP32 -> 4;
      case FP64 -> 8;
      default -> 10;
    };
    return Math.multiplyExact(elements, each);
  }

  /**
   * The elements of {@code tensor} as typed contents.
   *
   * <p>Requires: {@link #typed} holds for its datatype.
   */
  static InferTensorContents encode(HostTensor tensor) {
    ByteBuffer b = tensor.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int n = Math.toIntExact(tensor.elements());
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (int i = 0; i < n; i++) {
      switch (tensor.dtype()) {
        case BOOL -> c.addBoolContents(b.get() != 0);
        case UINT8 -> c.addUintContents(b.get() & 0xff);
        case INT8 -> c.addIntContents(b.get());
        case INT16 -> c.addIntContents(b.getShort());
        case INT32 -> c.addIntContents(b.getInt());
        case INT64 -> c.addInt64Contents(b.getLong());
        case FLOAT32 -> c.addFp32Contents(b.getFloat());
        case FLOAT64 -> c.addFp64Contents(b.getDouble());
        case FLOAT16, BFLOAT16, FLOAT8_E4M3FN, FLOAT8_E5M2, COMPLEX64 ->
            throw new IllegalArgumentException("output '" + tensor.name() + "' is "
                + tensor.dtype() + ", which has no typed contents member");
      }
    }
    return c.build();
  }
}
