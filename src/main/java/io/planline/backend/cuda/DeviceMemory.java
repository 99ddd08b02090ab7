package io.planline.backend.cuda;

import static java.util.Objects.requireNonNull;

import io.planline.ir.Device;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.jspecify.annotations.Nullable;

/**
 * A caching device allocator, after PyTorch's: blocks come from {@code cuMemAlloc} rounded to a
 * 512-byte granule, and a freed block goes back to a cache by size, where the next request of that
 * size (or up to an eighth larger) finds it, so an arena per request costs no driver call once
 * the cache is warm. Blocks enter the cache only once the device has finished with them (the
 * backend defers {@link #release} to the completion of the stream that freed them), so any
 * stream may take them. On out-of-memory the cache is emptied and the allocation tried again.
 *
 * <p>Thread-safe; callers make the context current.
 */
final class DeviceMemory {

  /** Allocation granule: sizes are rounded up to this. */
  static final long GRANULE = 512;

  private final Device device;
  private final TreeMap<Long, ArrayDeque<DevicePointer>> cache = new TreeMap<>();
  private long reserved;
  private long cached;
  private long driverAllocations;

  DeviceMemory(Device device) {
    this.device = requireNonNull(device, "device");
  }

  /** {@code bytes} rounded up to the granule. */
  static long sizeClass(long bytes) {
    return (bytes + GRANULE - 1) / GRANULE * GRANULE;
  }

  /**
   * A buffer of at least {@code bytes}.
   *
   * @throws CudaException when the device has no room even after the cache is emptied
   */
  synchronized CudaBuffer allocate(long bytes) {
    if (bytes == 0) {
      return new CudaBuffer(device, null, 0, 0);
    }
    long size = sizeClass(bytes);
    Map.Entry<Long, ArrayDeque<DevicePointer>> fit = cache.ceilingEntry(size);
    if (fit != null && fit.getKey() <= size + size / 8) {
      DevicePointer p = fit.getValue().pop();
      if (fit.getValue().isEmpty()) {
        cache.remove(fit.getKey());
      }
      cached -= fit.getKey();
      return new CudaBuffer(device, p, bytes, fit.getKey());
    }
    DevicePointer p = new DevicePointer();
    int status = JCudaDriver.cuMemAlloc(p, size);
    if (status == CUresult.CUDA_ERROR_OUT_OF_MEMORY && cached > 0) {
      emptyCache();
      status = JCudaDriver.cuMemAlloc(p, size);
    }
    CudaException.check("cuMemAlloc(" + size + " bytes)", status);
    reserved += size;
    driverAllocations++;
    return new CudaBuffer(device, p, bytes, size);
  }

  /** Puts {@code buffer}'s block in the cache. Requires: no kernel uses it any more. */
  synchronized void release(CudaBuffer buffer) {
    @Nullable DevicePointer p = buffer.pointer();
    if (p == null) {
      return;
    }
    cache.computeIfAbsent(buffer.capacity(), k -> new ArrayDeque<>()).push(p);
    cached += buffer.capacity();
  }

  /** Frees every cached block back to the driver. */
  synchronized void emptyCache() {
    for (var e : cache.entrySet()) {
      for (DevicePointer p : e.getValue()) {
        CudaException.check("cuMemFree", JCudaDriver.cuMemFree(p));
        reserved -= e.getKey();
      }
    }
    cache.clear();
    cached = 0;
  }

  /** Bytes obtained from the driver and not given back (in use plus cached). */
  synchronized long reservedBytes() {
    return reserved;
  }

  /** Bytes waiting in the cache. */
  synchronized long cachedBytes() {
    return cached;
  }

  /** How many times the driver was asked for memory (cache misses). */
  synchronized long driverAllocations() {
    return driverAllocations;
  }
}
