package io.planline.kernel;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/** An expected kernel failure (unknown operator, bad arguments, bad tensors), naming the op. */
public class KernelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String operator;

  /** A failure of {@code operator}; the message is prefixed with the operator's name. */
  public KernelException(String operator, String problem, @Nullable Throwable cause) {
    super(requireNonNull(operator, "operator") + ": " + requireNonNull(problem, "problem"), cause);
    this.operator = operator;
  }

  /** The ATen operator name as the program spells it ({@code aten.addmm.default}). */
  public String operator() {
    return operator;
  }
}
