package io.planline.backend;

import io.planline.ir.Device;

/** A block of device memory a backend handed out; freed through the same backend. */
public interface DeviceBuffer {

  /** The device it lives on. */
  Device device();

  /** Its size in bytes. */
  long bytes();
}
