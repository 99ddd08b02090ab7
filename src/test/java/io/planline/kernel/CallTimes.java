package io.planline.kernel;

import java.util.Arrays;

/** Timing for the kernel benchmarks: the median of many calls after a warm-up. */
final class CallTimes {

  private CallTimes() {}

  /**
   * Median nanoseconds per call of {@code op}: 0.2 s of calls as warm-up, then the calls made in
   * 0.3 s (at least {@code minCalls} of them, at most 200,000).
   */
  static double medianNanos(Runnable op, int minCalls) {
    long warm = System.nanoTime() + 200_000_000L;
    while (System.nanoTime() < warm) {
      op.run();
    }
    long[] nanos = new long[200_000];
    int n = 0;
    long end = System.nanoTime() + 300_000_000L;
    while (n < nanos.length && (n < minCalls || System.nanoTime() < end)) {
      long t0 = System.nanoTime();
      op.run();
      nanos[n++] = System.nanoTime() - t0;
    }
    long[] sorted = Arrays.copyOf(nanos, n);
    Arrays.sort(sorted);
    return sorted[n / 2];
  }
}
