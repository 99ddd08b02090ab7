package io.planline.backend.cuda;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;

/**
 * The driver call on the launch path, {@code cuLaunchKernel}, bound with JNA's
 * direct mapping. JCuda's binding walks a tree of Java {@code Pointer} objects through JNI on
 * every launch (measured on an H200 host: about 18 µs per Triton launch, 200 launches a
 * BERT-base request), where a direct call with a parameter block already in native memory costs
 * about a microsecond. Handles come from the same process-wide {@code libcuda}, so JCuda and this
 * class share the context, modules and streams.
 */
final class DirectDriver {

  /** Parameters a launch may pass at most (Triton kernels take a few dozen). */
  static final int MAX_PARAMS = 512;

  static {
    Native.register(DirectDriver.class, NativeLibrary.getInstance("libcuda.so.1"));
  }

  private DirectDriver() {}

  private static native int cuLaunchKernel(long function, int gridX, int gridY, int gridZ,
      int blockX, int blockY, int blockZ, int sharedBytes, long stream, long kernelParams,
      long extra);

  /**
   * A thread's parameter block: {@link #MAX_PARAMS} value slots of 8 bytes, and the array of
   * their addresses that {@code cuLaunchKernel} reads (written once: slot {@code i} is always at
   * the same place). The driver copies the values during the call, so one block per thread can
   * serve every launch of that thread.
   */
  static final class Params {
    private final Memory memory = new Memory(16L * MAX_PARAMS);
    private final ByteBuffer values;
    private final long pointers;

    private Params() {
      long base = com.sun.jna.Pointer.nativeValue(memory);
      ByteBuffer all = memory.getByteBuffer(0, memory.size()).order(ByteOrder.nativeOrder());
      for (int i = 0; i < MAX_PARAMS; i++) {
        all.putLong(8 * i, base + 8L * (MAX_PARAMS + i));
      }
      this.pointers = base;
      this.values = memory.getByteBuffer(8L * MAX_PARAMS, 8L * MAX_PARAMS)
          .order(ByteOrder.nativeOrder());
    }

    void putLong(int slot, long v) {
      values.putLong(8 * slot, v);
    }

    void putInt(int slot, int v) {
      values.putInt(8 * slot, v);
    }

    void putFloat(int slot, float v) {
      values.putFloat(8 * slot, v);
    }

    void putDouble(int slot, double v) {
      values.putDouble(8 * slot, v);
    }

    /** One by-value struct as the only parameter (planline's own kernels take one). */
    void putStruct(byte[] struct) {
      values.put(0, struct);
    }

    /** Launches {@code function} with the values put so far; returns the driver's status. */
    int launch(long function, int gx, int gy, int gz, int threads, int sharedBytes,
        long stream) {
      return cuLaunchKernel(function, gx, gy, gz, threads, 1, 1, sharedBytes, stream, pointers,
          0);
    }
  }

  private static final ThreadLocal<Params> PARAMS = ThreadLocal.withInitial(Params::new);

  /** The calling thread's parameter block. */
  static Params params() {
    return PARAMS.get();
  }

  /** A function handle whose driver address can be read. */
  static final class Function extends CUfunction {
    long address() {
      return getNativePointer();
    }
  }

  /** A stream handle whose driver address can be read (cuBLAS takes the same one). */
  static final class Stream extends CUstream {
    long address() {
      return getNativePointer();
    }
  }
}
