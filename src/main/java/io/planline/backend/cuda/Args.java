package io.planline.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads the constants of one kernel call's arguments. The CPU kernel library checks every call
 * against the operator's schema first ({@link CudaOps#prepare}), so this reader only converts
 * texts that are known to be well-formed; it still fails clearly, naming the operator, on what
 * the CUDA kernels cannot take (a symbolic value where a constant is needed).
 */
final class Args {

  private final String op;
  private final List<String> raw;

  Args(String op, List<String> raw) {
    this.op = op;
    this.raw = List.copyOf(raw);
  }

  String op() {
    return op;
  }

  int size() {
    return raw.size();
  }

  private String text(int i) {
    return raw.get(i).trim();
  }

  boolean isNone(int i) {
    return text(i).equals("None");
  }

  /** Whether argument {@code i} names a tensor (not a number, bool or None). */
  boolean isTensor(int i) {
    String t = text(i);
    if (t.isEmpty() || !(Character.isLetter(t.charAt(0)) || t.charAt(0) == '_')) {
      return false;
    }
    return !List.of("None", "True", "False", "inf", "nan").contains(t);
  }

  String tensor(int i) {
    if (!isTensor(i)) {
      throw error(i, "expected a tensor name");
    }
    return text(i);
  }

  @Nullable String optTensor(int i) {
    return isNone(i) ? null : tensor(i);
  }

  List<String> tensors(int i) {
    List<String> out = new ArrayList<>();
    for (String s : items(i)) {
      out.add(s.trim());
    }
    return out;
  }

  double number(int i) {
    String t = text(i);
    return switch (t) {
      case "inf", "+inf" -> Double.POSITIVE_INFINITY;
      case "-inf" -> Double.NEGATIVE_INFINITY;
      case "nan", "-nan" -> Double.NaN;
      case "True" -> 1.0;
      case "False" -> 0.0;
      default -> {
        try {
          yield Double.parseDouble(t);
        } catch (NumberFormatException e) {
          throw error(i, "expected a constant number");
        }
      }
    };
  }

  long constInt(int i) {
    try {
      return Long.parseLong(text(i));
    } catch (NumberFormatException e) {
      throw error(i, "expected a constant integer");
    }
  }

  /** An int list (or a bare int), repeated to {@code length} when one value is given. */
  long[] ints(int i, int length) {
    List<String> items = text(i).startsWith("[") ? items(i) : List.of(text(i));
    long[] v = new long[items.size()];
    for (int k = 0; k < v.length; k++) {
      try {
        v[k] = Long.parseLong(items.get(k).trim());
      } catch (NumberFormatException e) {
        throw error(i, "expected constant integers");
      }
    }
    if (v.length == 1 && length > 1) {
      long[] out = new long[length];
      java.util.Arrays.fill(out, v[0]);
      return out;
    }
    return v;
  }

  boolean bool(int i) {
    return text(i).equals("True");
  }

  String string(int i) {
    String t = text(i);
    if (t.length() >= 2 && (t.charAt(0) == '\'' || t.charAt(0) == '"')) {
      return t.substring(1, t.length() - 1);
    }
    return t;
  }

  private List<String> items(int i) {
    String t = text(i);
    if (!t.startsWith("[") || !t.endsWith("]")) {
      throw error(i, "expected a list");
    }
    String body = t.substring(1, t.length() - 1).trim();
    return body.isEmpty() ? List.of() : List.of(body.split(","));
  }

  IllegalArgumentException error(int i, String problem) {
    return new IllegalArgumentException(op + ": argument " + (i + 1) + " '" + raw.get(i) + "': "
        + problem);
  }
}
