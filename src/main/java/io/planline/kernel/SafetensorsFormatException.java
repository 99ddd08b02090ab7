package io.planline.kernel;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/** A safetensors file that cannot be read; the message names the file and what was wrong. */
public final class SafetensorsFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String file;

  /** {@code file} is malformed as {@code problem} says. */
  public SafetensorsFormatException(String file, String problem, @Nullable Throwable cause) {
    super(requireNonNull(file, "file") + ": " + requireNonNull(problem, "problem"), cause);
    this.file = file;
  }

  /** The file (or in-memory source name) that could not be read. */
  public String file() {
    return file;
  }
}
