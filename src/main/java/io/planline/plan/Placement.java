package io.planline.plan;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Where an offset planner put one storage.
 *
 * @param buffer the storage's first name
 * @param names every name the storage carries (its first, then those in-place reuses give it),
 *     so an executor needs no second liveness pass to find a buffer's placement
 * @param pool the pool (arena) it lives in
 * @param offset byte offset inside the pool
 * @param bytes bytes reserved (the storage size rounded up to the plan's alignment)
 * @param firstLine first line it is live at (inclusive)
 * @param lastLine last line it is live at (inclusive)
 */
public record Placement(String buffer, List<String> names, String pool, long offset, long bytes,
    int firstLine, int lastLine) {

  public Placement {
    requireNonNull(buffer, "buffer");
    requireNonNull(pool, "pool");
    names = List.copyOf(names);
    if (names.isEmpty() || !names.get(0).equals(buffer)) {
      throw new IllegalArgumentException(buffer + ": names must start with the buffer, got "
          + names);
    }
    if (offset < 0 || bytes < 0) {
      throw new IllegalArgumentException(buffer + ": negative offset or size");
    }
  }

  /** A placement of a storage known by one name only. */
  public Placement(String buffer, String pool, long offset, long bytes, int firstLine,
      int lastLine) {
    this(buffer, List.of(buffer), pool, offset, bytes, firstLine, lastLine);
  }

  /** The placement of {@code range}'s storage, under all its names. */
  public static Placement of(LiveRange range, String pool, long offset, long bytes) {
    return new Placement(range.name(), range.names(), pool, offset, bytes, range.firstLine(),
        range.lastLine());
  }

  /** One past the last byte. */
  public long end() {
    return offset + bytes;
  }
}
