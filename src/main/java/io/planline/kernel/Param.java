package io.planline.kernel;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * One schema argument: its name, kind and whether {@code None} is allowed.
 *
 * @param name the ATen argument name ({@code self}, {@code mat2}, {@code eps})
 * @param type its kind
 * @param optional whether the schema type ends in {@code ?}
 */
record Param(String name, ParamType type, boolean optional) {

  Param {
    requireNonNull(name, "name");
    requireNonNull(type, "type");
  }

  /** Parses an ATen-style argument list, e.g. {@code "Tensor self, Scalar alpha"}. */
  static List<Param> parseSchema(String schema) {
    List<Param> out = new ArrayList<>();
    if (schema.isBlank()) {
      return out;
    }
    for (String part : schema.split(",")) {
      String p = part.trim();
      int space = p.lastIndexOf(' ');
      if (space < 0) {
        throw new IllegalArgumentException("schema argument without a name: '" + p + "'");
      }
      boolean[] optional = new boolean[1];
      ParamType t = ParamType.parse(p.substring(0, space), optional);
      out.add(new Param(p.substring(space + 1), t, optional[0]));
    }
    return out;
  }

  /** The argument as the schema spells it, for messages. */
  String describe() {
    return name + " (" + type.label() + (optional ? ", optional" : "") + ")";
  }
}
