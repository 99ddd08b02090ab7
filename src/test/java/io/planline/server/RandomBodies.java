package io.planline.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Random infer request bodies for comparing the streaming reader with the tree reader: tensors of
 * every planline datatype, flat, nested or single-valued, mostly well-formed, some broken (an
 * element of the wrong kind or out of range, a list too short, too long, too deep or too shallow,
 * a bad shape, keys in any order or given twice, trailing or cut-off text).
 */
final class RandomBodies {

  private static final String[] TYPES = {"BOOL", "UINT8", "INT8", "INT16", "INT32", "INT64",
      "FP16", "BF16", "FP32", "FP64"};
  private static final String[] INTEGERS = {"0", "1", "-1", "3", "-7", "127", "-128"};
  private static final String[] REALS = {"1.5", "-0.0", "0", "3", "1e-3", "\"NaN\"",
      "\"Infinity\"", "\"-Infinity\"", "65504", "3.4028235E38", "-2.75e2", "0.1"};
  private static final String[] ODD = {"256", "-129", "32768", "2147483648", "1e39", "1e400",
      "-1e400", "2.5", "3.0", "null", "\"one\"", "\"nan\"", "{}", "{\"a\":[1]}", "true", "false",
      "123456789012345678901234567890", "-9223372036854775809", "9223372036854775807", "70000",
      "1e-50", "[]"};

  private RandomBodies() {}

  static String body(Random r) {
    List<String> members = new ArrayList<>();
    int inputs = 1 + r.nextInt(2);
    List<String> list = new ArrayList<>();
    for (int i = 0; i < inputs; i++) {
      list.add(r.nextInt(40) == 0 ? "7" : input(r, i == 1 && r.nextInt(4) == 0 ? "x" : "xy"
          .substring(i, i + 1)));
    }
    members.add("\"inputs\":" + String.join(",", list).transform(s -> "[" + s + "]"));
    if (r.nextInt(4) == 0) {
      members.add("\"id\":" + (r.nextBoolean() ? "\"r1\"" : "5"));
    }
    if (r.nextInt(6) == 0) {
      members.add("\"outputs\":[{\"name\":\"out\"}]");
    }
    if (r.nextInt(8) == 0) {
      members.add("\"unknown\":{\"data\":[1,2]}");
    }
    Collections.shuffle(members, r);
    String body = "{" + String.join(",", members) + "}";
    return switch (r.nextInt(40)) {
      case 0 -> body + " {}";
      case 1 -> body.substring(0, r.nextInt(body.length()));
      default -> body;
    };
  }

  private static String input(Random r, String name) {
    String type = r.nextInt(40) == 0 ? "FP33" : TYPES[r.nextInt(TYPES.length)];
    int rank = r.nextInt(4);
    long[] shape = new long[rank];
    for (int d = 0; d < rank; d++) {
      shape[d] = r.nextInt(4);
    }
    Object data = r.nextInt(6) == 0 ? flat(r, type, shape) : nested(r, type, shape, 0);
    if (r.nextInt(3) == 0) {
      data = mutate(r, data, type);
    }
    String shapeText = java.util.Arrays.toString(shape).replace(" ", "");
    if (r.nextInt(30) == 0) {
      shapeText = r.nextBoolean() ? "[-1]" : "[99999999999]";
    }
    List<String> members = new ArrayList<>(List.of("\"name\":\"" + name + "\"",
        "\"shape\":" + shapeText, "\"datatype\":\"" + type + "\"", "\"data\":" + text(data)));
    if (r.nextInt(5) == 0) {
      members.add("\"parameters\":{}");
    }
    if (r.nextInt(20) == 0) {
      members.add(members.get(r.nextInt(members.size()))); // a key given twice
    }
    if (r.nextBoolean()) {
      Collections.shuffle(members, r);
    }
    return "{" + String.join(",", members) + "}";
  }

  private static String element(Random r, String type) {
    if (r.nextInt(25) == 0) {
      return ODD[r.nextInt(ODD.length)];
    }
    return switch (type) {
      case "BOOL" -> r.nextBoolean() ? "true" : "false";
      case "FP16", "BF16", "FP32", "FP64", "FP33" -> r.nextBoolean()
          ? Float.toString((float) r.nextGaussian()) : REALS[r.nextInt(REALS.length)];
      default -> INTEGERS[r.nextInt(INTEGERS.length)];
    };
  }

  private static Object flat(Random r, String type, long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n == 1 && r.nextBoolean()) {
      return element(r, type);
    }
    List<Object> list = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      list.add(element(r, type));
    }
    return list;
  }

  private static Object nested(Random r, String type, long[] shape, int dim) {
    if (dim == shape.length) {
      return element(r, type);
    }
    List<Object> list = new ArrayList<>();
    for (long i = 0; i < shape[dim]; i++) {
      list.add(nested(r, type, shape, dim + 1));
    }
    return list;
  }

  /** One random change somewhere in the nesting. */
  @SuppressWarnings("unchecked") // every list here is built by this class as List<Object>
  private static Object mutate(Random r, Object data, String type) {
    if (!(data instanceof List<?>) || ((List<Object>) data).isEmpty() || r.nextInt(3) == 0) {
      return switch (r.nextInt(3)) {
        case 0 -> List.of(data);
        case 1 -> element(r, type);
        default -> new ArrayList<>(List.of(data, data));
      };
    }
    List<Object> list = (List<Object>) data;
    int i = r.nextInt(list.size());
    switch (r.nextInt(4)) {
      case 0 -> list.remove(i);
      case 1 -> list.add(i, list.get(i));
      case 2 -> list.set(i, ODD[r.nextInt(ODD.length)]);
      default -> list.set(i, mutate(r, list.get(i), type));
    }
    return list;
  }

  private static String text(Object data) {
    if (data instanceof List<?> list) {
      List<String> parts = new ArrayList<>();
      list.forEach(o -> parts.add(text(o)));
      return "[" + String.join(",", parts) + "]";
    }
    return (String) data;
  }
}
