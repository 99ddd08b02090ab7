package io.planline.plan.greedy;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One storage the device holds while a program runs, and the lines it is held for: what
 * {@link WholePeak} counts.
 *
 * @param name its first name
 * @param names every name it carries, in order
 * @param origin who allocated it
 * @param plannedFrom the line from which planned buffers live in it, or -1 if none ever does: its
 *     first line when an {@code AllocateLine} made it, else the line that freed it into the reuse
 *     pool, when a planned allocation then took it (the seed allows that for extern-kernel and
 *     multi-output results)
 * @param bytes raw size (0 when no line gives one)
 * @param firstLine first line it is held at
 * @param lastLine last line it is held at (inclusive)
 */
public record HeldStorage(String name, List<String> names, Origin origin, int plannedFrom,
    long bytes, int firstLine, int lastLine) {

  /** Who allocated a storage. */
  public enum Origin {
    PLANNED, EXTERN_KERNEL, MULTI_OUTPUT, FALLBACK_KERNEL, DONATED_INPUT, COMM_BUFFER
  }

  public HeldStorage {
    requireNonNull(name, "name");
    requireNonNull(origin, "origin");
    names = List.copyOf(names);
    if (bytes < 0 || firstLine < 0 || lastLine < firstLine || plannedFrom > lastLine
        || (plannedFrom >= 0 && plannedFrom < firstLine)) {
      throw new IllegalArgumentException(String.format(
          "%s: bad storage (%d bytes, lines [%d, %d], planned from %d)", name, bytes, firstLine,
          lastLine, plannedFrom));
    }
  }

  /** Whether a planned buffer ever lives in it. */
  public boolean planned() {
    return plannedFrom >= 0;
  }
}
