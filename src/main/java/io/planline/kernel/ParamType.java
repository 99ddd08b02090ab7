package io.planline.kernel;

import java.util.Locale;

/**
 * The kinds of schema argument a call can carry, spelled as ATen's schema spells them
 * ({@code Tensor?}, {@code int[]}, {@code Scalar}, ...), plus {@code Tensor|Scalar} for a tensor
 * slot where an exported graph may put a Python number.
 */
enum ParamType {
  TENSOR,
  TENSOR_LIST,
  TENSOR_OR_SCALAR,
  INT,
  INT_LIST,
  FLOAT,
  /** {@code Scalar?[]}, {@code Scalar[]}, {@code float[]}: numbers, None entries allowed. */
  NUMBER_LIST,
  SCALAR,
  BOOL,
  STRING,
  DTYPE,
  /** Layout, Device, MemoryFormat: accepted as text, unused by CPU kernels. */
  OPAQUE;

  /** A readable name for error messages. */
  String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  /**
   * The type for one schema spelling; {@code optional[0]} is set when it ends in {@code ?}.
   *
   * @throws IllegalArgumentException for a spelling this library does not know
   */
  static ParamType parse(String spelling, boolean[] optional) {
    String s = spelling.trim();
    optional[0] = s.endsWith("?");
    if (optional[0]) {
      s = s.substring(0, s.length() - 1);
    }
    if (s.startsWith("int[") || s.startsWith("SymInt[")) {
      return INT_LIST;
    }
    if (s.startsWith("Scalar?[") || s.startsWith("Scalar[") || s.startsWith("float[")) {
      return NUMBER_LIST;
    }
    return switch (s) {
      case "Tensor" -> TENSOR;
      case "Tensor[]" -> TENSOR_LIST;
      case "Tensor|Scalar" -> TENSOR_OR_SCALAR;
      case "int", "SymInt" -> INT;
      case "float" -> FLOAT;
      case "Scalar" -> SCALAR;
      case "bool" -> BOOL;
      case "str" -> STRING;
      case "ScalarType" -> DTYPE;
      case "Layout", "Device", "MemoryFormat" -> OPAQUE;
      default -> throw new IllegalArgumentException("unknown schema type '" + spelling + "'");
    };
  }
}
