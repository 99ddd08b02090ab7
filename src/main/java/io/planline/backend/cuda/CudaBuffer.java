package io.planline.backend.cuda;

import static java.util.Objects.requireNonNull;

import io.planline.backend.DeviceBuffer;
import io.planline.ir.Device;
import org.jspecify.annotations.Nullable;

/**
 * A block of device memory handed to a request: {@code bytes} were asked for, {@code capacity}
 * are held (the allocator's size class). A class, not a record: buffers compare by identity.
 */
final class CudaBuffer implements DeviceBuffer {

  private final Device device;
  private final @Nullable DevicePointer pointer;
  private final long bytes;
  private final long capacity;

  CudaBuffer(Device device, @Nullable DevicePointer pointer, long bytes, long capacity) {
    this.device = requireNonNull(device, "device");
    if (bytes < 0 || capacity < bytes || (pointer == null) != (capacity == 0)) {
      throw new IllegalArgumentException("bad buffer: " + bytes + " bytes in " + capacity);
    }
    this.pointer = pointer;
    this.bytes = bytes;
    this.capacity = capacity;
  }

  /** The allocation, or null for an empty buffer (which owns no device memory). */
  @Nullable DevicePointer pointer() {
    return pointer;
  }

  /** The device address of the first byte (0 for an empty buffer). */
  long address() {
    return pointer == null ? 0 : pointer.address();
  }

  /** Bytes held on the device (the size class). */
  long capacity() {
    return capacity;
  }

  @Override
  public Device device() {
    return device;
  }

  @Override
  public long bytes() {
    return bytes;
  }

  @Override
  public String toString() {
    return "CudaBuffer[" + bytes + " bytes at 0x" + Long.toHexString(address()) + "]";
  }
}
