package io.planline.backend.cuda;

import io.planline.backend.BackendException;
import jcuda.driver.CUresult;
import org.slf4j.LoggerFactory;

/** A CUDA driver call failed; the message names the call and the CUDA error. */
public final class CudaException extends BackendException {
  private static final long serialVersionUID = 1L;

  private final int code;

  /** The failure of {@code operation} with driver status {@code code}. */
  public CudaException(String operation, int code) {
    super(operation + " failed: " + CUresult.stringFor(code) + " (" + code + ")");
    this.code = code;
  }

  /** A failure found by the backend itself rather than returned by a driver call. */
  public CudaException(String message) {
    super(message);
    this.code = -1;
  }

  /** The CUresult code, or -1 when the failure did not come from the driver. */
  public int code() {
    return code;
  }

  /** Whether the device ran out of memory. */
  public boolean outOfMemory() {
    return code == CUresult.CUDA_ERROR_OUT_OF_MEMORY;
  }

  /**
   * Logs a failed release (stream, event, memory) instead of throwing: closing goes on with the
   * rest, and the failure is still reported with the call and the CUDA error.
   */
  public static void warnIfFailed(String operation, int code) {
    if (code != CUresult.CUDA_SUCCESS) {
      LoggerFactory.getLogger(CudaException.class).warn("{} failed while closing: {} ({})",
          operation, CUresult.stringFor(code), code);
    }
  }

  /**
   * Throws unless {@code code} is CUDA_SUCCESS: every driver call's status goes through here so
   * no error is silently dropped.
   */
  public static void check(String operation, int code) {
    if (code != CUresult.CUDA_SUCCESS) {
      throw new CudaException(operation, code);
    }
  }
}
