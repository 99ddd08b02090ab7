package io.planline.kernel;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One multi-threaded native call at a time in the process. OpenBLAS and the compiled kernels'
 * OpenMP each run one thread per core; two requests calling them at once put two threads on
 * every core, and both libraries wait for their slowest thread by spinning, so each call then
 * takes many times longer (measured with {@code KernelBench} on the 2-core build machine while
 * other processes ran: OpenBLAS fell from about 150 to 3.6 GFLOP/s on 128x768x2304). Requests
 * still overlap between native calls (their Java kernels, memory steps and I/O).
 */
final class NativeCompute {

  /** Fair: a request's next kernel waits behind those already waiting, not ahead of them. */
  private static final ReentrantLock LOCK = new ReentrantLock(true);

  private NativeCompute() {}

  /** Runs {@code call} holding the process's native-compute turn. */
  static <T> T run(Supplier<T> call) {
    LOCK.lock();
    try {
      return call.get();
    } finally {
      LOCK.unlock();
    }
  }
}
