package io.planline.io;

/**
 * A program file that cannot be read: the message names the file, where in it (graph, line,
 * field) and what was wrong, so users never need the stack trace.
 */
public class ProgramFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final String location;

  public ProgramFormatException(String file, String location, String problem) {
    this(file, location, problem, null);
  }

  public ProgramFormatException(String file, String location, String problem, Throwable cause) {
    super(file + (location.isEmpty() ? "" : ": " + location) + ": " + problem, cause);
    this.file = file;
    this.location = location;
  }

  /** The file that could not be read. */
  public String file() {
    return file;
  }

  /** Where in the file ({@code graph 1, before[12] (AllocateLine), field node.bytes}). */
  public String location() {
    return location;
  }
}
