package io.planline.backend.cuda;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;
import org.jspecify.annotations.Nullable;

/**
 * The primary context of one CUDA device. Every thread that calls the driver makes it current
 * first ({@link #makeCurrent}); the driver's own exceptions stay off: statuses are checked by
 * {@link CudaException#check}, which names the call.
 */
final class CudaContext implements AutoCloseable {

  /** Why JCuda's native library could not be loaded, found once (later tries only say "could
   * not initialize class"), or null when it loaded. */
  private static volatile @Nullable String linkProblem;
  private static volatile boolean linkChecked;

  private final CUdevice device = new CUdevice();
  private final CUcontext context = new CUcontext();
  private final int ordinal;
  private final String name;
  private final int multiprocessors;
  private final int driverVersion;

  private CudaContext(int ordinal) {
    this.ordinal = ordinal;
    JCudaDriver.setExceptionsEnabled(false);
    CudaException.check("cuInit", JCudaDriver.cuInit(0));
    int[] count = new int[1];
    CudaException.check("cuDeviceGetCount", JCudaDriver.cuDeviceGetCount(count));
    if (count[0] <= ordinal) {
      throw new CudaException("no CUDA device " + ordinal + " (the driver sees " + count[0] + ")");
    }
    CudaException.check("cuDeviceGet", JCudaDriver.cuDeviceGet(device, ordinal));
    CudaException.check("cuDevicePrimaryCtxRetain",
        JCudaDriver.cuDevicePrimaryCtxRetain(context, device));
    makeCurrent();
    byte[] raw = new byte[256];
    CudaException.check("cuDeviceGetName", JCudaDriver.cuDeviceGetName(raw, raw.length, device));
    int end = 0;
    while (end < raw.length && raw[end] != 0) {
      end++;
    }
    this.name = new String(raw, 0, end, StandardCharsets.UTF_8);
    int[] v = new int[1];
    CudaException.check("cuDeviceGetAttribute", JCudaDriver.cuDeviceGetAttribute(v,
        CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device));
    this.multiprocessors = v[0];
    CudaException.check("cuDriverGetVersion", JCudaDriver.cuDriverGetVersion(v));
    this.driverVersion = v[0];
  }

  /** Opens device {@code ordinal}'s primary context and makes it current on this thread. */
  static CudaContext open(int ordinal) {
    String problem = linkProblem();
    if (problem != null) {
      throw new CudaException("cannot load the CUDA driver through JCuda (" + problem
          + "); is the NVIDIA driver (libcuda.so.1) installed?");
    }
    return new CudaContext(ordinal);
  }

  /** Loads JCuda's driver library once; the first failure's cause is what is reported. */
  static synchronized @Nullable String linkProblem() {
    if (!linkChecked) {
      linkChecked = true;
      try {
        JCudaDriver.setExceptionsEnabled(false);
      } catch (LinkageError e) {
        Throwable root = e;
        while (root.getCause() != null) {
          root = root.getCause();
        }
        // JCuda's message lists every attempt over several lines: the last one says why
        String text = root.toString();
        String last = text;
        for (String line : text.split("\n")) {
          if (line.contains("UnsatisfiedLinkError:")) {
            last = line.trim();
          }
        }
        linkProblem = last;
      }
    }
    return linkProblem;
  }

  /** Makes the context current on the calling thread. */
  void makeCurrent() {
    CudaException.check("cuCtxSetCurrent", JCudaDriver.cuCtxSetCurrent(context));
  }

  /** The device's name, as the driver reports it. */
  String name() {
    return name;
  }

  int multiprocessors() {
    return multiprocessors;
  }

  /** The driver's CUDA version, e.g. 13000. */
  int driverVersion() {
    return driverVersion;
  }

  /** {free, total} device bytes, as {@code cuMemGetInfo} reports them. */
  long[] memoryInfo() {
    makeCurrent();
    long[] free = new long[1];
    long[] total = new long[1];
    CudaException.check("cuMemGetInfo", JCudaDriver.cuMemGetInfo(free, total));
    return new long[] {free[0], total[0]};
  }

  /** Waits for all device work (slow paths only). */
  void synchronize() {
    makeCurrent();
    CudaException.check("cuCtxSynchronize", JCudaDriver.cuCtxSynchronize());
  }

  @Override
  public void close() {
    CudaException.warnIfFailed("cuDevicePrimaryCtxRelease",
        JCudaDriver.cuDevicePrimaryCtxRelease(device));
  }

  @Override
  public String toString() {
    return "cuda:" + ordinal + " (" + name + ", " + multiprocessors + " SMs, driver "
        + driverVersion + ")";
  }
}
