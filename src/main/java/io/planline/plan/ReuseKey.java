package io.planline.plan;

import static java.util.Objects.requireNonNull;

import io.planline.ir.Buffer;
import io.planline.ir.DType;
import io.planline.ir.Device;
import org.jspecify.annotations.Nullable;

/**
 * What makes two storages interchangeable to Inductor's greedy reuse ({@code buffer_reuse_key}):
 * device, dtype, the symbolic storage size as text, and alignment.
 *
 * <p>The size is compared as Inductor prints it, not as bytes: two buffers of equal bytes but
 * different expressions ({@code 4*s0} and {@code 16}) never share a storage.
 *
 * @param device where the storage lives
 * @param dtype element type, null when the producer could not read it
 * @param storageExpr the symbolic storage size in elements
 * @param aligned whether Inductor considers the storage aligned
 */
public record ReuseKey(Device device, @Nullable DType dtype, String storageExpr, boolean aligned) {

  public ReuseKey {
    requireNonNull(device, "device");
    requireNonNull(storageExpr, "storageExpr");
  }

  /** The key of {@code buffer}'s storage. */
  public static ReuseKey of(Buffer buffer) {
    return new ReuseKey(buffer.device(), buffer.dtype(), buffer.storageExpr(), buffer.aligned());
  }
}
