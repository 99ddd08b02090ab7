package io.planline.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** One run of a prepared kernel: its tensors resolved by name, its outputs, and the thread pool. */
final class Call {

  private final Function<String, Tensor> tensors;
  private final List<String> outputs;
  private final Parallel parallel;

  Call(Function<String, Tensor> tensors, List<String> outputs, Parallel parallel) {
    this.tensors = tensors;
    this.outputs = outputs;
    this.parallel = parallel;
  }

  /** The tensor bound to {@code name}. */
  Tensor in(String name) {
    Tensor t = tensors.apply(name);
    if (t == null) {
      throw new IllegalArgumentException("tensor '" + name + "' is not bound");
    }
    return t;
  }

  /** The tensor bound to {@code name}, or null for an omitted (None) argument. */
  @Nullable Tensor opt(@Nullable String name) {
    return name == null ? null : in(name);
  }

  /** The tensors bound to {@code names}, in order. */
  List<Tensor> all(List<String> names) {
    List<Tensor> out = new ArrayList<>(names.size());
    for (String n : names) {
      out.add(in(n));
    }
    return out;
  }

  /** The i-th output, in the operator's return order. */
  Tensor out(int i) {
    return in(outputs.get(i));
  }

  /** The library's worker pool. */
  Parallel parallel() {
    return parallel;
  }
}
