package io.planline.kernel;

/**
 * Kernels a model brought compiled ahead of time (Inductor's C++ kernels in a shared library,
 * or its Triton kernels as GPU binaries): program calls that name one of them run it instead
 * of an ATen operator.
 */
public interface CompiledKernels {

  /** Whether {@code name} is one of these kernels. */
  boolean has(String name);

  /** Where the kernels came from, for messages. */
  String describe();
}
