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
public final class NativeCompute {

  /**
   * Not fair: a fair lock handed the turn to a waiting thread at every unlock, one thread switch
   * per native call with two requests running; barging lets the running thread go on.
   * ModelBench, digits-mlp [8,64] on Inductor's kernels with 4 requests in flight: 6,204 -> 17,849
   * requests/s; tiny-gpt over HTTP at concurrency 8: 253 -> 294 (2026-12-04).
   */
  private static final ReentrantLock LOCK = new ReentrantLock(false);

  private NativeCompute() {}

  /**
   * Whether no native call runs or waits now: a thread that must not wait (an event loop) may
   * then run a short program's calls itself (exec/InlineRuns).
   */
  public static boolean idle() {
    return !LOCK.isLocked() && !LOCK.hasQueuedThreads();
  }

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
