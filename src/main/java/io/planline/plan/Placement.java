package io.planline.plan;

import static java.util.Objects.requireNonNull;

/**
 * Where an offset planner put one storage.
 *
 * @param buffer the storage's first name
 * @param pool the pool (arena) it lives in
 * @param offset byte offset inside the pool
 * @param bytes bytes reserved (the storage size rounded up to the plan's alignment)
 * @param firstLine first line it is live at (inclusive)
 * @param lastLine last line it is live at (inclusive)
 */
public record Placement(String buffer, String pool, long offset, long bytes, int firstLine,
    int lastLine) {
  public Placement {
    requireNonNull(buffer, "buffer");
    requireNonNull(pool, "pool");
    if (offset < 0 || bytes < 0) {
      throw new IllegalArgumentException(buffer + ": negative offset or size");
    }
  }

  /** One past the last byte. */
  public long end() {
    return offset + bytes;
  }
}
