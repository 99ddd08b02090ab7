package io.planline.kernel;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * The kernel library's own fork/join pool: a fixed set of daemon worker threads (one per core by
 * default) that split index ranges, so no kernel call ever creates a thread. Nested calls from a
 * worker fork into the same pool instead of blocking it.
 */
final class Parallel {

  private static final Parallel SHARED = new Parallel(Runtime.getRuntime().availableProcessors());

  private final ForkJoinPool pool;
  private final int threads;

  Parallel(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.threads = threads;
    this.pool = new ForkJoinPool(threads, p -> {
      Worker t = new Worker(p);
      t.setName("planline-kernel-" + t.getPoolIndex());
      t.setDaemon(true);
      return t;
    }, null, false);
  }

  /** The process-wide pool with one worker per available processor. */
  static Parallel shared() {
    return SHARED;
  }

  /** How many workers run tasks at once. */
  int threads() {
    return threads;
  }

  /**
   * Runs {@code body.accept(i)} for every i in [0, n), spread over the workers, and returns when
   * all have finished; an exception from any task is rethrown here.
   */
  void forEach(int n, IntConsumer body) {
    if (n <= 0) {
      return;
    }
    if (n == 1 || threads == 1) {
      for (int i = 0; i < n; i++) {
        body.accept(i);
      }
      return;
    }
    Range root = new Range(body, 0, n);
    if (Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool) {
      root.invoke();
    } else {
      pool.invoke(root);
    }
  }

  /**
   * A pool thread that carries its own kernel scratch buffers: a plain field read is cheaper
   * than a ThreadLocal lookup, which profiles showed at about a fifth of a small GEMM's samples
   * when done once per block.
   */
  static final class Worker extends ForkJoinWorkerThread {
    /** This worker's GEMM buffers; only this thread touches them. */
    final Gemm.Scratch gemm = new Gemm.Scratch();

    Worker(ForkJoinPool pool) {
      super(pool);
    }
  }

  /** Splits [lo, hi) in halves down to single indices; work stealing balances uneven tasks. */
  private static final class Range extends RecursiveAction {
    private static final long serialVersionUID = 1L;
    private final transient IntConsumer body;
    private final int lo;
    private final int hi;

    Range(IntConsumer body, int lo, int hi) {
      this.body = body;
      this.lo = lo;
      this.hi = hi;
    }

    @Override
    protected void compute() {
      if (hi - lo == 1) {
        body.accept(lo);
        return;
      }
      int mid = (lo + hi) >>> 1;
      invokeAll(new Range(body, lo, mid), new Range(body, mid, hi));
    }
  }
}
