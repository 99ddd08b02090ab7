package io.planline.kernel;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The operators the CPU library implements: for each ATen overload name, its schema, how many
 * tensors it returns, and a binder that turns parsed arguments into a runnable invocation.
 * Each op family registers itself from its own file.
 */
final class OpTable {

  /** Reads constants out of parsed arguments, once, and returns what runs per request. */
  @FunctionalInterface
  interface Binder {
    /** The invocation for these arguments; throws KernelArgumentException for unusable ones. */
    Invocation bind(CallArgs args);
  }

  /** A kernel bound to its constant arguments. */
  @FunctionalInterface
  interface Invocation {
    /** Runs once, reading and writing tensors through {@code call}. */
    void run(Call call);
  }

  /**
   * One operator.
   *
   * @param name the ATen overload name ({@code aten.addmm.default})
   * @param params its schema arguments, in order
   * @param outputs how many tensors it returns
   * @param binder what prepares a call
   */
  record OpDef(String name, List<Param> params, int outputs, Binder binder) {
    OpDef {
      requireNonNull(name, "name");
      params = List.copyOf(params);
      requireNonNull(binder, "binder");
      if (outputs < 1) {
        throw new IllegalArgumentException(name + ": outputs must be >= 1");
      }
    }
  }

  private final SortedMap<String, OpDef> ops = new TreeMap<>();

  /** The table of every CPU kernel family. */
  static OpTable cpu() {
    OpTable t = new OpTable();
    ElementwiseOps.register(t);
    ReductionOps.register(t);
    NormOps.register(t);
    GemmOps.register(t);
    ConvPoolOps.register(t);
    ConvPointwiseOps.register(t);
    IndexingOps.register(t);
    return t;
  }

  /** Registers {@code name} with an ATen-style schema, e.g. {@code "Tensor self, Scalar alpha"}. */
  void add(String name, String schema, int outputs, Binder binder) {
    if (ops.containsKey(name)) {
      throw new IllegalStateException("operator registered twice: " + name);
    }
    ops.put(name, new OpDef(name, Param.parseSchema(schema), outputs, binder));
  }

  @Nullable OpDef get(String name) {
    return ops.get(name);
  }

  Map<String, OpDef> all() {
    return Collections.unmodifiableSortedMap(ops);
  }
}
