package io.planline.exec;

import com.github.benmanes.caffeine.cache.Cache;
import io.planline.kernel.Caches;
import io.planline.kernel.NativeCompute;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many threads the native calls of each program's last run used at most, which decides
 * where its next requests run on a synchronous backend ({@link RequestExecutor}): a program of
 * compiled kernels whose calls all ran on their caller's thread alone spreads its requests over
 * the streams, since such calls run side by side ({@code kernel/NativeCompute}); one with a
 * call on several threads keeps to stream 0, where every request's parallel regions find one
 * OpenMP team awake. A program not yet measured counts as wide.
 */
final class NativeWidths {

  /** Per program (by identity): the widest call of its last whole run. */
  private final Cache<ExecutableProgram, AtomicInteger> widest =
      Caches.onCallingThread().weakKeys().build();

  /** Starts measuring a run on the current thread. */
  void begin() {
    NativeCompute.widestSinceLast();
  }

  /** Records the run of {@code program} that the current thread began. */
  void end(ExecutableProgram program) {
    int now = NativeCompute.widestSinceLast();
    widest.get(program, p -> new AtomicInteger(now)).set(now);
  }

  /** Whether {@code program}'s last run made native calls on one thread only. */
  boolean narrow(ExecutableProgram program) {
    AtomicInteger w = widest.getIfPresent(program);
    return w != null && w.get() <= 1;
  }
}
