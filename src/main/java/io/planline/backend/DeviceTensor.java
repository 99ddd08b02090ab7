package io.planline.backend;

import io.planline.ir.DType;

/**
 * A strided view of device memory as a backend's kernels take it. Each backend has its own kind
 * (a direct-buffer tensor on the CPU, a device pointer on CUDA); the executor only passes them on.
 */
public interface DeviceTensor {

  /** Element type. */
  DType dtype();

  /** Dimensions (a copy). */
  long[] shape();

  /** Strides in elements (a copy). */
  long[] stride();
}
