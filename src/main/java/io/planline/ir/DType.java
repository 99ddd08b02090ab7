package io.planline.ir;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Element types a buffer can hold, named as PyTorch prints them ({@code float32}, {@code int64}). */
public enum DType {
  FLOAT64("float64", 8),
  FLOAT32("float32", 4),
  FLOAT16("float16", 2),
  BFLOAT16("bfloat16", 2),
  FLOAT8_E4M3FN("float8_e4m3fn", 1),
  FLOAT8_E5M2("float8_e5m2", 1),
  INT64("int64", 8),
  INT32("int32", 4),
  INT16("int16", 2),
  INT8("int8", 1),
  UINT8("uint8", 1),
  BOOL("bool", 1),
  COMPLEX64("complex64", 8);

  private final String torchName;
  private final int itemSize;

  DType(String torchName, int itemSize) {
    this.torchName = torchName;
    this.itemSize = itemSize;
  }

  /** The name PyTorch prints, without the {@code torch.} prefix. */
  public String torchName() {
    return torchName;
  }

  /** Bytes per element. */
  public int itemSize() {
    return itemSize;
  }

  /**
   * Parses a PyTorch dtype name, with or without the {@code torch.} prefix.
   *
   * @throws IllegalArgumentException naming the value and the known names
   */
  public static DType parse(String name) {
    String n = name.startsWith("torch.") ? name.substring(6) : name;
    for (DType t : values()) {
      if (t.torchName.equals(n.toLowerCase(Locale.ROOT))) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown dtype '" + name + "' (known: "
        + Arrays.stream(values()).map(DType::torchName).collect(Collectors.joining(", ")) + ")");
  }

  @Override
  public String toString() {
    return torchName;
  }
}
