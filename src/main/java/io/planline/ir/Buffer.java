package io.planline.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One tensor storage as a wrapper line names it.
 *
 * <p>{@code bytes} is the storage size ({@code storage_numel × itemsize}); {@code storageExpr} is the
 * symbolic size as Inductor prints it, which is what the greedy reuse key compares (two buffers of
 * equal bytes but different expressions are not interchangeable to Inductor). A buffer whose size the
 * producer could not read has {@code bytes == UNKNOWN} and a null dtype: it can be named by lines but
 * never planned.
 *
 * @param name the buffer's name in the wrapper ({@code buf12}, {@code arg0_1})
 * @param device where it lives ({@code cuda:0}, {@code cpu})
 * @param dtype element type, null when unknown
 * @param shape sizes per dimension (empty for scalars or when unknown)
 * @param stride strides per dimension, same length as shape
 * @param bytes storage size in bytes, or {@link #UNKNOWN}
 * @param storageExpr the symbolic storage size in elements, as text
 * @param aligned whether Inductor considers the storage aligned (part of the reuse key)
 */
public record Buffer(
    String name,
    Device device,
    @Nullable DType dtype,
    List<Long> shape,
    List<Long> stride,
    long bytes,
    String storageExpr,
    boolean aligned) {

  /** Marks a storage size that the producer could not determine. */
  public static final long UNKNOWN = -1;

  public Buffer {
    requireNonNull(name, "name");
    requireNonNull(device, "device");
    requireNonNull(shape, "shape");
    requireNonNull(stride, "stride");
    requireNonNull(storageExpr, "storageExpr");
    if (name.isBlank()) {
      throw new IllegalArgumentException("buffer name is blank");
    }
    if (bytes < 0 && bytes != UNKNOWN) {
      throw new IllegalArgumentException("buffer " + name + ": negative size " + bytes + " bytes");
    }
    if (!stride.isEmpty() && stride.size() != shape.size()) {
      throw new IllegalArgumentException("buffer " + name + ": shape " + shape + " has "
          + shape.size() + " dims but stride " + stride + " has " + stride.size());
    }
    for (Long d : shape) {
      if (d == null || d < 0) {
        throw new IllegalArgumentException("buffer " + name + ": bad dimension in shape " + shape);
      }
    }
    shape = List.copyOf(shape);
    stride = List.copyOf(stride);
  }

  /** A sized, contiguous-by-bytes buffer: what CSV instances and tests need. */
  public static Buffer ofBytes(String name, Device device, long bytes) {
    return new Buffer(name, device, DType.UINT8, List.of(bytes), List.of(1L), bytes,
        Long.toString(bytes), true);
  }

  /** A buffer known only by name (size not readable). */
  public static Buffer unsized(String name, Device device) {
    return new Buffer(name, device, null, List.of(), List.of(), UNKNOWN, "?", true);
  }

  /** Whether {@link #bytes} holds a real size. */
  public boolean sized() {
    return bytes != UNKNOWN;
  }

  /** The same storage under another name (what an in-place reuse does). */
  public Buffer renamed(String newName) {
    return new Buffer(newName, device, dtype, shape, stride, bytes, storageExpr, aligned);
  }
}
