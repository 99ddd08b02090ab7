package io.planline.kernel;

import java.util.Collection;

/** A program names an operator the library has no kernel for; the message lists those it has. */
public final class UnknownOperatorException extends KernelException {
  private static final long serialVersionUID = 1L;

  /** The operator {@code operator} is not among {@code supported}. */
  public UnknownOperatorException(String operator, Collection<String> supported) {
    super(operator, "no CPU kernel for this operator (supported: " + String.join(", ", supported)
        + ")", null);
  }
}
