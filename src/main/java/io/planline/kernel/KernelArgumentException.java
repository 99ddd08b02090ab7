package io.planline.kernel;

/**
 * A kernel call whose arguments do not fit the operator's schema (count, kind, or a value the
 * kernel does not support), found when the call is prepared rather than when it runs.
 */
public final class KernelArgumentException extends KernelException {
  private static final long serialVersionUID = 1L;

  /** A bad argument list for {@code operator}, described by {@code problem}. */
  public KernelArgumentException(String operator, String problem) {
    super(operator, problem, null);
  }
}
