package io.planline.kernel;

import org.jspecify.annotations.Nullable;

/**
 * A prepared kernel that could not run on the tensors it was given (a name not bound, shapes or
 * dtypes that do not agree, an index out of range).
 */
public final class KernelExecutionException extends KernelException {
  private static final long serialVersionUID = 1L;

  /** {@code operator} failed at run time for the reason in {@code problem}. */
  public KernelExecutionException(String operator, String problem, @Nullable Throwable cause) {
    super(operator, problem, cause);
  }
}
