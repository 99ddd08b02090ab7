package io.planline.kernel;

import java.util.List;
import java.util.function.Function;

/**
 * A kernel call bound to its parsed arguments at load time; it resolves tensor names only when
 * it runs, because storages are placed per request. Safe to run from several threads at once on
 * different tensors.
 */
public interface PreparedKernel {

  /** The ATen operator ({@code aten.addmm.default}). */
  String kernelName();

  /** The tensor names the call reads, in argument order (duplicates kept). */
  List<String> inputs();

  /** The tensor names the call writes, in the operator's return order. */
  List<String> outputs();

  /**
   * Runs the kernel, reading inputs and writing outputs through {@code tensors}.
   *
   * @throws KernelExecutionException if a name is unbound or the tensors do not fit the operator
   */
  void run(Function<String, Tensor> tensors);
}
