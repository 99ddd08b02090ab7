package io.planline.kernel;

import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Who may run native calls at once. A call on several threads (an OpenMP parallel region,
 * OpenBLAS split over the cores) runs alone in the process: OpenBLAS and the compiled kernels'
 * OpenMP each run one thread per core, two such calls at once put two threads on every core,
 * and both libraries wait for their slowest thread by spinning, so each call then takes many
 * times longer (measured with {@code KernelBench} on the 2-core build machine while other
 * processes ran: OpenBLAS fell from about 150 to 3.6 GFLOP/s on 128x768x2304). A call on its
 * caller's thread alone (a serial kernel build, a small oneDNN product) takes no core from
 * anyone else, so such calls run side by side, one per request: a model whose calls are all
 * small (tiny-gpt [1,64]) then uses as many cores as requests run at once, where one process-wide
 * turn had kept it on one core.
 *
 * <p>A read-write lock: one-thread calls share the read side, calls on several threads take the
 * write side. Not fair: barging lets a running thread go on with its next call instead of
 * handing the turn to a waiting thread at every unlock (a fair lock cost ModelBench's digits-mlp
 * [8,64] with 4 requests in flight 6,204 against 17,849 requests/s, tiny-gpt over HTTP at
 * concurrency 8 253 against 294; 2026-12-04). A waiting wide call still stops new one-thread
 * calls from starting (the non-fair lock's rule that readers wait behind a writer at the head of
 * the queue), so a stream of small calls cannot starve it.
 */
public final class NativeCompute {

  private static final ReentrantReadWriteLock LOCK = new ReentrantReadWriteLock(false);
  /** What each calling thread's native calls are held to and have used. */
  private static final ThreadLocal<Caller> CALLER = ThreadLocal.withInitial(Caller::new);

  /** One thread's state: read and written by that thread only. */
  private static final class Caller {
    /** The most threads a call used since {@link #widestSinceLast} last asked. */
    int widest;
    /** Whether its native calls run on one thread each whatever their size. */
    boolean oneThread;
  }

  private NativeCompute() {}

  /**
   * Whether no native call runs or waits now: a thread that must not wait (an event loop) may
   * then run a short program's calls itself (exec/InlineRuns).
   */
  public static boolean idle() {
    return LOCK.getReadLockCount() == 0 && !LOCK.isWriteLocked() && !LOCK.hasQueuedThreads();
  }

  /** Whether some thread waits for its turn (for tests). */
  static boolean hasWaiting() {
    return LOCK.hasQueuedThreads();
  }

  /**
   * The most threads any native call made from this thread used since the last time this
   * thread asked (0: none), and starts counting again.
   */
  public static int widestSinceLast() {
    Caller caller = CALLER.get();
    int was = caller.widest;
    caller.widest = 0;
    return was;
  }

  /**
   * Runs {@code work} on this thread with every native call it makes on one thread, however large
   * (a product oneDNN would split over the cores, an Inductor kernel with OpenMP loops): for a
   * request that runs beside enough others to keep the cores busy, where splitting each call
   * only adds hand-overs and makes every call wait for the whole process's turn.
   */
  public static <T> T oneThreadEach(Callable<T> work) throws Exception {
    Caller caller = CALLER.get();
    boolean was = caller.oneThread;
    caller.oneThread = true;
    try {
      return work.call();
    } finally {
      caller.oneThread = was;
    }
  }

  /** Whether native calls made from this thread now run on one thread ({@link #oneThreadEach}). */
  static boolean oneThreadOnly() {
    return CALLER.get().oneThread;
  }

  /**
   * Runs {@code call}, which uses {@code threads} threads (its caller's among them): beside
   * other one-thread calls when it is one, alone otherwise.
   */
  static <T> T run(int threads, Supplier<T> call) {
    return run(threads, false, call);
  }

  /**
   * Runs {@code call} as {@link #run(int, Supplier)} does, and alone, whatever its threads,
   * where {@code alone}: for a kernel that shares state with every other (KernelEntry).
   */
  static <T> T run(int threads, boolean alone, Supplier<T> call) {
    Caller caller = CALLER.get();
    caller.widest = Math.max(caller.widest, threads);
    var lock = threads <= 1 && !alone ? LOCK.readLock() : LOCK.writeLock();
    lock.lock();
    try {
      return call.get();
    } finally {
      lock.unlock();
    }
  }
}
