package io.planline.plan;

import static java.util.Objects.requireNonNull;

import io.planline.ir.Device;

/**
 * One arena of device memory that placements are offsets into.
 *
 * @param name pool name, unique in a plan ({@code pool0})
 * @param device the device it is allocated on
 * @param bytes its size
 */
public record Pool(String name, Device device, long bytes) {
  public Pool {
    requireNonNull(name, "name");
    requireNonNull(device, "device");
    if (bytes < 0) {
      throw new IllegalArgumentException(name + ": negative size");
    }
  }
}
