package io.planline.exec;

import io.planline.kernel.NativeCompute;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Schedulers;

/**
 * Which requests of a synchronous backend run on the thread that asks for them instead of
 * their stream's. Handing a request to a stream thread and its answer back costs two thread
 * wake-ups, about 20 µs on the 2-core build machine ({@code tools/bench-overhead.sh}: a
 * trivial program's in-process request 19-23 µs through the stream, 3-6.5 µs on the caller),
 * more than a small model's kernels take. So a program whose recent runs took less than {@code planline.executor
 * .inline-below-micros} (default 200 µs; 0 turns this off) runs where it is asked for:
 *
 * <ul>
 *   <li>on a thread that may wait (the CLI, the benchmarks, gRPC's handler threads, in-process
 *       callers), always;
 *   <li>on a Netty event loop (the HTTP server's), only while no native call runs or waits
 *       ({@code kernel/NativeCompute}): the loop's other connections wait behind those
 *       microseconds, but not behind another request's milliseconds-long product;
 *   <li>on a Reactor non-blocking thread, never.
 * </ul>
 *
 * A program not yet measured runs on its stream, which measures it. The last part of a split
 * request is the exception on a thread that may wait: it runs there whatever it costs ({@link
 * #here}).
 */
final class InlineRuns {

  static final long DEFAULT_BELOW_MICROS =
      Long.getLong("planline.executor.inline-below-micros", 200);

  private static final @Nullable Class<?> EVENT_LOOP_THREAD =
      load("io.netty.util.concurrent.FastThreadLocalThread");

  private final long belowNanos;

  InlineRuns(long belowMicros) {
    this.belowNanos = belowMicros * 1_000;
  }

  /**
   * Whether a request {@code as} given, of the program {@code runs} measured, runs on the current
   * thread. The last part of a split request does on any thread that may wait, however long its
   * program runs: that thread would otherwise wait for the parts anyway, and the parts of a split
   * request are as many as the cores it may use, since it splits only when it runs alone
   * ({@link SplitRule}); so the caller's part takes a core that would stay idle, and one stream
   * thread fewer is woken. Parts slower than the limit had gone to a stream, two wake-ups more.
   */
  boolean here(ProgramRuns.Measured runs, RunAs as) {
    if (as == RunAs.LAST_PART && lastPartHere()) {
      return true;
    }
    if (belowNanos <= 0 || as == RunAs.PART || Schedulers.isInNonBlockingThread()) {
      return false;
    }
    long nanos = runs.averageNanos();
    if (nanos < 0 || nanos >= belowNanos) {
      return false;
    }
    return !eventLoop() || NativeCompute.idle();
  }

  /**
   * Whether the current thread runs the last part of a request it splits, however long:
   * inline runs are on, and it may wait (neither an event loop nor a Reactor non-blocking
   * thread). The split rule gives that part a lead ({@link SplitRule#leadRows}) only then.
   */
  boolean lastPartHere() {
    return belowNanos > 0 && !Schedulers.isInNonBlockingThread() && !eventLoop();
  }

  private static boolean eventLoop() {
    return EVENT_LOOP_THREAD != null && EVENT_LOOP_THREAD.isInstance(Thread.currentThread());
  }

  private static @Nullable Class<?> load(String name) {
    try {
      return Class.forName(name, false, InlineRuns.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      return null; // no Netty in this process: no event loops to keep free
    }
  }
}
