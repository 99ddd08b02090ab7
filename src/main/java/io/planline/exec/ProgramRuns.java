package io.planline.exec;

import com.github.benmanes.caffeine.cache.Cache;
import io.planline.kernel.Caches;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What each program's whole runs on a synchronous backend have measured, kept per program (by
 * identity, weakly): how long they take, which decides whether a request may run on the thread
 * that asks ({@link InlineRuns}) and whether it may split ({@link SplitRule}), how many runs were
 * made ({@link #WARM_RUNS}), and the most threads a native call of the last run used,
 * which decides its stream ({@link RequestExecutor}). A request looks its program up once.
 */
final class ProgramRuns {

  /**
   * Whole runs a program makes before its requests may split ({@link SplitRuns}): early runs pay
   * for warm-up (code compiled, primitives made) and say little of what the program costs.
   */
  static final int WARM_RUNS = 4;

  /** One program's measurements; nothing until its first whole run. */
  static final class Measured {
    /** A moving average of its whole runs in nanoseconds; -1 before the first. */
    private final AtomicLong averageNanos = new AtomicLong(-1);
    /** Whole runs recorded so far. */
    private final AtomicLong runs = new AtomicLong();
    /** The most threads a native call of its last run used; -1 before the first run. */
    private volatile int widest = -1;

    /**
     * Records a whole run that took {@code nanos}, its widest native call on {@code threads}
     * ({@link #UNKNOWN}: keeps what the last run said).
     */
    void record(long nanos, int threads) {
      // a quarter of each new run: one slow run (a collection, a busy machine) moves the
      // average, a change of the program's real cost moves it within a few requests
      // the second run replaces the first, which paid for the program's warm-up (oneDNN
      // primitives made, weights reordered, code compiled): digits-mlp [3,64]'s first run put
      // its average over 200 µs, and its requests split (SplitRule; RequestExecutorTest saw
      // them answer on another thread), though warm it takes a fraction of that
      boolean second = runs.incrementAndGet() == 2;
      averageNanos.accumulateAndGet(nanos,
          (avg, now) -> avg < 0 || second ? now : avg + (now - avg) / 4);
      if (threads != UNKNOWN) {
        widest = threads;
      }
    }

    /**
     * Records a request of this program that ran as {@code parts} parts side by side, taking
     * {@code nanos} in all, as a run of the whole taking the parts' time added up: about what
     * the whole costs on one thread. The split request itself is faster than the whole would
     * be; recorded as it is, it brought digits-cnn [64]'s average (173-174 µs split, 206 whole on
     * the 2-core build machine) below the split limit, so that its next requests ran whole, which
     * brought it above again ({@link SplitRule}).
     */
    void recordSplit(long nanos, int parts) {
      record(nanos * parts, UNKNOWN);
    }

    /** Whole runs recorded so far (a split request counts as one). */
    long runs() {
      return runs.get();
    }

    /** Whether it has made its {@link #WARM_RUNS} warm-up runs. */
    boolean warm() {
      return runs.get() >= WARM_RUNS;
    }

    /** The average of its whole runs in nanoseconds, or -1 before the first. */
    long averageNanos() {
      return averageNanos.get();
    }

    /**
     * Whether its last run made native calls on one thread only, which run side by side with
     * other requests' ({@code kernel/NativeCompute}). Not yet measured counts as not.
     */
    boolean oneThreadCalls() {
      int w = widest;
      return w >= 0 && w <= 1;
    }
  }

  /** A run's width not known: its calls were held to one thread each. */
  static final int UNKNOWN = -1;

  private final Cache<ExecutableProgram, Measured> byProgram =
      Caches.onCallingThread().weakKeys().build();

  /** {@code program}'s measurements, made empty at its first request. */
  Measured of(ExecutableProgram program) {
    return byProgram.get(program, p -> new Measured());
  }
}
