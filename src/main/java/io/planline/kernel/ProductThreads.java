package io.planline.kernel;

import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The threads OpenBLAS products are split over: the calling thread takes part 0 and one parked
 * helper per further core takes each other part, every part a single-threaded
 * {@code cblas_sgemm}. OpenBLAS's own threads are not used (it is set to one thread): after each
 * product they spin for up to 2^28 cycles waiting for the next, and on a 2-core machine that
 * spinning thread shares a core with the compiled kernels' OpenMP thread that runs next, which
 * then finishes late and holds the whole parallel region back (tiny-gpt [8, 64]'s two tanh-GELU
 * kernels: 1.48 ms per run after OpenBLAS products on its own two threads, 0.85-0.89 after
 * products split here; docs/benchmarks.md). A helper parks as soon as its part is done, so nothing spins between
 * products, and it splits the rows itself, which also scaled better at these sizes than
 * OpenBLAS's own split (tiny-gpt's eight addmm: 3.75 ms on OpenBLAS's two threads, 4.89 on one).
 *
 * <p>Not reentrant: one caller at a time, which {@link NativeCompute}'s lock guarantees.
 */
final class ProductThreads {

  /** How long a waiting caller spins before it parks: the parts end at about the same time. */
  private static final long SPIN_NANOS = 50_000;

  private final Helper[] helpers;

  /** Splits over {@code parts} threads: the caller and {@code parts - 1} helpers. */
  ProductThreads(int parts) {
    if (parts < 1) {
      throw new IllegalArgumentException("parts must be >= 1, got " + parts);
    }
    helpers = new Helper[parts - 1];
    for (int i = 0; i < helpers.length; i++) {
      helpers[i] = new Helper(i + 1);
      helpers[i].start();
    }
  }

  /** How many parts {@link #run} splits into. */
  int parts() {
    return helpers.length + 1;
  }

  /**
   * Runs {@code body.accept(p)} for every part p in [0, {@code n}), {@code n <= parts()}: part 0
   * on the calling thread, the others on helpers, and returns when all have ended. The first
   * exception a part threw is rethrown here, after every part has ended.
   */
  void run(int n, IntConsumer body) {
    if (n < 1 || n > parts()) {
      throw new IllegalArgumentException("cannot split into " + n + " of " + parts() + " parts");
    }
    Thread caller = Thread.currentThread();
    for (int i = 0; i < n - 1; i++) {
      helpers[i].give(body, caller);
    }
    Throwable failure = null;
    try {
      body.accept(0);
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    for (int i = 0; i < n - 1; i++) {
      Throwable t = helpers[i].await();
      if (failure == null) {
        failure = t;
      }
    }
    if (failure instanceof RuntimeException e) {
      throw e;
    }
    if (failure instanceof Error e) {
      throw e;
    }
  }

  /** One helper: waits parked for a part, runs it, hands back its outcome. */
  private static final class Helper extends Thread {
    private final int part;
    private volatile IntConsumer work;
    private volatile Thread waiter;
    private volatile boolean done;
    private volatile Throwable error;

    Helper(int part) {
      super("planline-product-" + part);
      this.part = part;
      setDaemon(true);
    }

    void give(IntConsumer body, Thread caller) {
      waiter = caller;
      done = false;
      error = null;
      work = body;
      LockSupport.unpark(this);
    }

    /** Waits for the part given last and returns what it threw, or null. */
    Throwable await() {
      long until = System.nanoTime() + SPIN_NANOS;
      while (!done) {
        if (System.nanoTime() < until) {
          Thread.onSpinWait();
        } else {
          LockSupport.park(this);
        }
      }
      return error;
    }

    @Override
    public void run() {
      while (true) {
        IntConsumer w = work;
        if (w == null) {
          LockSupport.park(this);
          continue;
        }
        work = null;
        try {
          w.accept(part);
        } catch (Throwable t) {
          error = t;
        }
        done = true;
        LockSupport.unpark(waiter);
      }
    }
  }
}
