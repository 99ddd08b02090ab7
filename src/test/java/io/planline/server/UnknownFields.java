package io.planline.server;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Walks a fabric8 model object and reports every {@code additionalProperties} entry, which is
 * where fabric8 puts keys its API type does not define (a typo, a field of another version).
 */
final class UnknownFields {

  private UnknownFields() {}

  /** Adds {@code path.key} to {@code out} for each unknown key under {@code node}. */
  static void collect(Object node, String path, List<String> out) {
    if (node instanceof Collection<?> c) {
      int i = 0;
      for (Object o : c) {
        collect(o, path + "[" + i++ + "]", out);
      }
      return;
    }
    if (node instanceof Map<?, ?> m) {
      m.forEach((k, v) -> collect(v, path + "." + k, out));
      return;
    }
    if (node == null || !node.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method getter : node.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(node);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + path + "." + getter.getName(), e);
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra) {
          extra.keySet().forEach(k -> out.add(path + "." + k));
        }
      } else {
        collect(value, path + "." + getter.getName().substring(3), out);
      }
    }
  }
}
