package io.planline.plan;

import static java.util.Objects.requireNonNull;

import io.planline.ir.Device;
import java.util.List;

/**
 * One planned storage and the lines during which it holds data.
 *
 * <p>The range is inclusive at both ends: the storage is live at {@code firstLine} (its allocation)
 * and at {@code lastLine} (its free), so two ranges that share a line overlap in time.
 *
 * @param name the storage's first name (the buffer its allocation named)
 * @param names every name the storage carries over its life (in-place reuses add names)
 * @param device where it lives
 * @param bytes storage size
 * @param firstLine index of the allocating line
 * @param lastLine index of the freeing line, or of the graph's last line when it is never freed
 */
public record LiveRange(String name, List<String> names, Device device, long bytes, int firstLine,
    int lastLine) {

  public LiveRange {
    requireNonNull(name, "name");
    requireNonNull(device, "device");
    names = List.copyOf(names);
    if (bytes < 0) {
      throw new IllegalArgumentException(name + ": negative size " + bytes);
    }
    if (firstLine < 0 || lastLine < firstLine) {
      throw new IllegalArgumentException(
          name + ": bad live range [" + firstLine + ", " + lastLine + "]");
    }
  }

  /** Whether the two ranges are live at a common line. */
  public boolean overlapsInTime(LiveRange o) {
    return firstLine <= o.lastLine && o.firstLine <= lastLine;
  }

  /** {@code bytes} rounded up to a multiple of {@code alignment}. */
  public long alignedBytes(int alignment) {
    return align(bytes, alignment);
  }

  /** Rounds {@code value} up to a multiple of {@code alignment} (a positive number). */
  public static long align(long value, int alignment) {
    if (alignment <= 0) {
      throw new IllegalArgumentException("alignment must be positive, got " + alignment);
    }
    return (value + alignment - 1) / alignment * alignment;
  }
}
