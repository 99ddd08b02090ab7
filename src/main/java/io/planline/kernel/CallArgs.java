package io.planline.kernel;

import io.planline.ir.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One kernel call's {@code call_args}, parsed against the operator's schema once, when the call
 * is prepared: every string is checked for its kind (tensor name, int expression, float, bool,
 * None, list, dtype) so that nothing is parsed while a request runs.
 *
 * <p>Accessors take the argument's position; asking for a constant where the program wrote a
 * symbolic expression, or for a value the kernel cannot use, is a {@link KernelArgumentException}
 * naming the operator, the argument and the text.
 */
final class CallArgs {

  /** A parsed int list; {@code values} is null when some element names a symbol. */
  private record Ints(int length, long @Nullable [] values) {}

  /** An int written as an expression over symbols, kept as text. */
  private record Symbolic(String text) {}

  /** Python's repr of an int or float (Java's spellings such as Infinity or 1f are not). */
  private static final Pattern NUMBER =
      Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

  private final String op;
  private final List<Param> params;
  private final List<String> raw;
  private final @Nullable Object[] values;

  private CallArgs(String op, List<Param> params, List<String> raw, @Nullable Object[] values) {
    this.op = op;
    this.params = params;
    this.raw = raw;
    this.values = values;
  }

  /**
   * Parses {@code raw} against {@code params}.
   *
   * @throws KernelArgumentException for a wrong count or an argument of the wrong kind
   */
  static CallArgs parse(String op, List<Param> params, List<String> raw) {
    if (raw.size() != params.size()) {
      throw new KernelArgumentException(op, "expected " + params.size() + " arguments ("
          + String.join(", ", params.stream().map(Param::name).toList()) + "), got "
          + raw.size() + ": " + raw);
    }
    Object[] values = new Object[raw.size()];
    CallArgs args = new CallArgs(op, params, List.copyOf(raw), values);
    for (int i = 0; i < raw.size(); i++) {
      String text = raw.get(i) == null ? "" : raw.get(i).trim();
      Param p = params.get(i);
      if (text.equals("None")) {
        if (!p.optional()) {
          throw args.error(i, "None is not allowed here");
        }
        continue;
      }
      try {
        values[i] = parseValue(p.type(), text);
      } catch (IllegalArgumentException e) {
        throw args.error(i, e.getMessage());
      }
    }
    return args;
  }

  private static Object parseValue(ParamType type, String text) {
    return switch (type) {
      case TENSOR -> name(text);
      case TENSOR_LIST -> listItems(text).stream().map(CallArgs::name).toList();
      case TENSOR_OR_SCALAR -> IntExpr.isName(text) && !isBool(text) && !isSpecialFloat(text)
          ? text : number(text);
      case INT -> {
        Long v = IntExpr.valueOf(text);
        yield v == null ? new Symbolic(text) : (Object) v;
      }
      case INT_LIST -> ints(text);
      case FLOAT -> number(text);
      case NUMBER_LIST -> listItems(text).stream()
          .map(item -> item.equals("None") ? Optional.<Double>empty() : Optional.of(number(item)))
          .toList();
      case SCALAR -> {
        if (isBool(text) || isSpecialFloat(text) || text.equals("-inf") || NUMBER.matcher(text)
            .matches()) {
          yield number(text);
        }
        // a Scalar may be a symbolic size (arange's end = s0): keep it as an expression
        Long v;
        try {
          v = IntExpr.valueOf(text);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("expected a number or an integer expression");
        }
        yield v == null ? new Symbolic(text) : (Object) (double) v;
      }
      case BOOL -> switch (text) {
        case "True" -> Boolean.TRUE;
        case "False" -> Boolean.FALSE;
        default -> throw new IllegalArgumentException("expected True or False");
      };
      case STRING -> unquote(text);
      case DTYPE -> DType.parse(text);
      case OPAQUE -> {
        if (text.isEmpty()) {
          throw new IllegalArgumentException("empty value");
        }
        yield text;
      }
    };
  }

  // ---------------------------------------------------------------------------------------------
  // accessors

  /** The operator these arguments belong to. */
  String op() {
    return op;
  }

  /** Every tensor name the call reads, in argument order. */
  List<String> tensorNames() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      ParamType t = params.get(i).type();
      Object v = values[i];
      if (v instanceof String s && (t == ParamType.TENSOR || t == ParamType.TENSOR_OR_SCALAR)) {
        out.add(s);
      } else if (t == ParamType.TENSOR_LIST && v != null) {
        for (Object o : (List<?>) v) {
          out.add((String) o);
        }
      }
    }
    return out;
  }

  boolean isNone(int i) {
    return values[i] == null;
  }

  String tensor(int i) {
    return (String) require(i, ParamType.TENSOR);
  }

  @Nullable String optTensor(int i) {
    return isNone(i) ? null : tensor(i);
  }

  @SuppressWarnings("unchecked") // parse() stores List<String> for TENSOR_LIST
  List<String> tensors(int i) {
    return (List<String>) require(i, ParamType.TENSOR_LIST);
  }

  /** Whether a tensor or tensor-or-scalar argument names a tensor. */
  boolean isTensor(int i) {
    ParamType t = params.get(i).type();
    return values[i] instanceof String && (t == ParamType.TENSOR
        || t == ParamType.TENSOR_OR_SCALAR);
  }

  /** The tensor named by a tensor or tensor-or-scalar argument. */
  String tensorName(int i) {
    if (!isTensor(i)) {
      throw error(i, "expected a tensor");
    }
    return (String) values[i];
  }

  /** A constant int; a symbolic expression is rejected. */
  long constInt(int i) {
    Object v = require(i, ParamType.INT);
    if (v instanceof Long l) {
      return l;
    }
    throw error(i, "must be a constant, not a symbolic expression");
  }

  @Nullable Long optConstInt(int i) {
    return isNone(i) ? null : constInt(i);
  }

  /** A constant int list; a bare int is repeated to {@code length} when length > 0. */
  long[] constInts(int i, int length) {
    Ints v = (Ints) require(i, ParamType.INT_LIST);
    long[] vals = v.values();
    if (vals == null) {
      throw error(i, "must be constant, not symbolic");
    }
    if (vals.length == 1 && length > 1) {
      long[] out = new long[length];
      Arrays.fill(out, vals[0]);
      return out;
    }
    if (length > 0 && vals.length != length) {
      throw error(i, "expected " + length + " values");
    }
    return vals.clone();
  }

  /** A constant int list of any length. */
  long[] constInts(int i) {
    return constInts(i, 0);
  }

  /** A float, Scalar, or the scalar side of a tensor-or-scalar argument. */
  double number(int i) {
    Object v = values[i];
    if (v instanceof Double d) {
      return d;
    }
    throw error(i, v instanceof Symbolic
        ? "expected a constant number (a symbolic expression is not supported here)"
        : "expected a number");
  }

  /** Whether an int or Scalar argument is an expression over symbols (known per request). */
  boolean isSymbolic(int i) {
    return values[i] instanceof Symbolic;
  }

  /** The number of elements of an int list, known even when they are symbolic. */
  int intListLength(int i) {
    return ((Ints) require(i, ParamType.INT_LIST)).length();
  }

  @Nullable Double optNumber(int i) {
    return isNone(i) ? null : number(i);
  }

  /**
   * The numbers of a number list, its None entries left out (Inductor writes an empty
   * {@code Scalar?[]} as {@code [None]}).
   */
  List<Double> numbers(int i) {
    @SuppressWarnings("unchecked")
    List<Optional<Double>> items = (List<Optional<Double>>) require(i, ParamType.NUMBER_LIST);
    return items.stream().flatMap(Optional::stream).toList();
  }

  boolean bool(int i) {
    return (Boolean) require(i, ParamType.BOOL);
  }

  String string(int i) {
    return (String) require(i, ParamType.STRING);
  }

  @Nullable DType dtype(int i) {
    return isNone(i) ? null : (DType) require(i, ParamType.DTYPE);
  }

  /** A {@link KernelArgumentException} about argument {@code i}. */
  KernelArgumentException error(int i, String problem) {
    Param p = params.get(i);
    return new KernelArgumentException(op, "argument " + (i + 1) + " of " + params.size() + ", "
        + p.describe() + " = '" + raw.get(i) + "': " + problem);
  }

  private Object require(int i, ParamType type) {
    if (params.get(i).type() != type) {
      throw new IllegalStateException(op + ": argument " + i + " is " + params.get(i).type()
          + ", read as " + type);
    }
    Object v = values[i];
    if (v == null) {
      throw error(i, "must not be None");
    }
    return v;
  }

  // ---------------------------------------------------------------------------------------------
  // lexical helpers

  private static String name(String text) {
    if (!IntExpr.isName(text) || isBool(text)) {
      throw new IllegalArgumentException("expected a tensor name");
    }
    return text;
  }

  private static Ints ints(String text) {
    List<String> items = text.startsWith("[") ? listItems(text) : List.of(text);
    long[] vals = new long[items.size()];
    boolean symbolic = false;
    for (int k = 0; k < vals.length; k++) {
      Long v = IntExpr.valueOf(items.get(k));
      symbolic |= v == null;
      vals[k] = v == null ? 0 : v;
    }
    return new Ints(vals.length, symbolic ? null : vals);
  }

  private static List<String> listItems(String text) {
    if (!text.startsWith("[") || !text.endsWith("]")) {
      throw new IllegalArgumentException("expected a list in [ ]");
    }
    String body = text.substring(1, text.length() - 1).trim();
    if (body.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String s : body.split(",", -1)) {
      String t = s.trim();
      if (t.isEmpty()) {
        throw new IllegalArgumentException("empty list element");
      }
      out.add(t);
    }
    return out;
  }

  private static Double number(String text) {
    switch (text) {
      case "inf", "+inf" -> {
        return Double.POSITIVE_INFINITY;
      }
      case "-inf" -> {
        return Double.NEGATIVE_INFINITY;
      }
      case "nan", "-nan" -> {
        return Double.NaN;
      }
      case "True" -> {
        return 1.0;
      }
      case "False" -> {
        return 0.0;
      }
      default -> {
        if (!NUMBER.matcher(text).matches()) {
          throw new IllegalArgumentException("expected a number");
        }
        return Double.parseDouble(text);
      }
    }
  }

  private static boolean isBool(String text) {
    return text.equals("True") || text.equals("False");
  }

  private static boolean isSpecialFloat(String text) {
    return text.equals("inf") || text.equals("nan");
  }

  private static String unquote(String text) {
    if (text.length() >= 2 && (text.charAt(0) == '\'' || text.charAt(0) == '"')
        && text.charAt(text.length() - 1) == text.charAt(0)) {
      return text.substring(1, text.length() - 1);
    }
    return text;
  }
}
