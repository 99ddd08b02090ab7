package io.planline.backend.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * A device pointer whose address can be read: kernels take addresses packed into their
 * parameter block rather than one JCuda pointer object per argument.
 */
final class DevicePointer extends CUdeviceptr {

  /** The device address, or 0 before allocation. */
  long address() {
    return getNativePointer() + getByteOffset();
  }
}
