package io.planline.kernel;

import java.util.regex.Pattern;

/**
 * A compiled kernel stopped on one of its own checks of the data it was given: Inductor's C++
 * kernels check an integer division's divisor ({@code ZeroDivisionError}) and an index read from
 * a tensor ({@code index out of bounds}). The values that failed came from the request (or were
 * computed from it), so the request is what was wrong; the model stays as it was.
 */
public final class KernelCheckException extends KernelException {
  private static final long serialVersionUID = 1L;

  /** A source file's directories in a check's message (the exporting machine's, of no use here). */
  private static final Pattern DIRECTORIES = Pattern.compile("/\\S*/(?=[^/\\s]+:\\d+)");

  private final String thrown;

  private KernelCheckException(String kernel, String shortened) {
    super(kernel, "the kernel's check failed: " + shortened, null);
    this.thrown = shortened;
  }

  /** {@code kernel} stopped with {@code thrown}, the message of the C++ exception it threw. */
  public static KernelCheckException of(String kernel, String thrown) {
    return new KernelCheckException(kernel, shorter(thrown));
  }

  /** What the kernel threw, source paths cut to their file names. */
  public String thrown() {
    return thrown;
  }

  static String shorter(String thrown) {
    return DIRECTORIES.matcher(thrown).replaceAll("");
  }
}
