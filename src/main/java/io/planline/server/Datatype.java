package io.planline.server;

import io.planline.ir.DType;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The tensor datatypes of the Open Inference Protocol, with their element sizes and the planline
 * {@link DType} each maps to (none for {@code UINT16}..{@code UINT64} and {@code BYTES}, which no
 * planline tensor holds).
 */
public enum Datatype {
  BOOL(1, DType.BOOL),
  UINT8(1, DType.UINT8),
  UINT16(2, null),
  UINT32(4, null),
  UINT64(8, null),
  INT8(1, DType.INT8),
  INT16(2, DType.INT16),
  INT32(4, DType.INT32),
  INT64(8, DType.INT64),
  FP16(2, DType.FLOAT16),
  FP32(4, DType.FLOAT32),
  FP64(8, DType.FLOAT64),
  BF16(2, DType.BFLOAT16),
  /** Variable-length strings: each element is a 4-byte little-endian length then the bytes. */
  BYTES(-1, null);

  private final int itemSize;
  private final @Nullable DType dtype;

  Datatype(int itemSize, @Nullable DType dtype) {
    this.itemSize = itemSize;
    this.dtype = dtype;
  }

  /** Bytes per element, or -1 for {@code BYTES}. */
  public int itemSize() {
    return itemSize;
  }

  /** The planline element type, or null when planline has none. */
  public @Nullable DType dtype() {
    return dtype;
  }

  /** Every protocol name, comma-separated, for messages. */
  public static String names() {
    return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
  }

  /** The protocol datatype called {@code name} (exact, upper case), or null. */
  public static @Nullable Datatype parse(String name) {
    for (Datatype d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    return null;
  }

  /**
   * The protocol datatype called {@code name}, as a request gives it.
   *
   * @param where the tensor, for the message ({@code input 'x'})
   * @throws ApiException (400) naming the tensor and the protocol's datatypes
   */
  public static Datatype require(String where, String name) {
    Datatype type = parse(name);
    if (type == null) {
      throw ApiException.badRequest(where + ": unknown datatype '" + name
          + "'; the protocol's datatypes are " + names());
    }
    return type;
  }

  /**
   * The protocol datatype of a planline element type.
   *
   * @throws IllegalArgumentException for the types the protocol cannot carry (float8, complex)
   */
  public static Datatype of(DType dtype) {
    for (Datatype d : values()) {
      if (d.dtype == dtype) {
        return d;
      }
    }
    throw new IllegalArgumentException("the inference protocol has no datatype for " + dtype);
  }
}
