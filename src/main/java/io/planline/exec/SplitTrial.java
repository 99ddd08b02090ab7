package io.planline.exec;

import java.util.Arrays;

/**
 * Whether one program's requests that {@link SplitRule} would split do, decided by what both
 * ways measure on this machine rather than assumed. Splitting gains where one thread per call
 * beats a call split over the cores (the 2-core build machine: digits-cnn [64] and tiny-gpt
 * [8,64] 25-40% faster), and loses where it does not: on a lent 16-core Xeon, tiny-gpt [8,64]
 * split was 12-17% slower on 2 and on 16 cores (session 22, docs/benchmarks.md). Which holds
 * depends on the processor, the program and the rows, so each program finds out.
 *
 * <p>Its first requests that may split run whole and split in turn, {@link #SAMPLES} each; from
 * then on each runs the way whose last {@link #SAMPLES} times have the lower median, except one
 * in {@link #RECHECK}, which runs the other way so that its times follow a machine that changes
 * (other work arriving on the cores, a slower period of a shared host). A median, so that a
 * collection or a preempted thread in one run does not flip the choice.
 *
 * <p>Only requests that may split are timed here, each from its start to its answer: both ways
 * then run alone ({@link SplitRule} splits nothing beside other requests), under the same
 * conditions.
 */
final class SplitTrial {

  /** Times kept of each way, and runs of each before the choice is made. */
  static final int SAMPLES = 8;
  /** One request in this many that may split runs the way not chosen. */
  static final int RECHECK = 32;

  private static final int WHOLE = 0;
  private static final int SPLIT = 1;

  /** The last {@link #SAMPLES} times of each way, a ring each. */
  private final long[][] times = new long[2][SAMPLES];
  private final long[] recorded = new long[2];
  private long asked;

  /** Whether the next request that may split does. */
  synchronized boolean split() {
    asked++;
    if (recorded[WHOLE] < SAMPLES || recorded[SPLIT] < SAMPLES) {
      // in turn, whole first: a program's first runs are its slowest (code compiled, caches
      // filled), and both ways should have their share of them
      return recorded[WHOLE] > recorded[SPLIT];
    }
    boolean faster = median(SPLIT) < median(WHOLE);
    return asked % RECHECK == 0 ? !faster : faster;
  }

  /**
   * Records that a request that may split ran whole or split and took {@code nanos}; true when
   * that ends the trial (both ways now measured), once.
   */
  synchronized boolean record(boolean split, long nanos) {
    int way = split ? SPLIT : WHOLE;
    times[way][(int) (recorded[way]++ % SAMPLES)] = nanos;
    return recorded[way] == SAMPLES && recorded[1 - way] >= SAMPLES;
  }

  /** The median of a way's last times, in nanoseconds; -1 before it has {@link #SAMPLES}. */
  synchronized long medianNanos(boolean split) {
    int way = split ? SPLIT : WHOLE;
    return recorded[way] < SAMPLES ? -1 : median(way);
  }

  private long median(int way) {
    long[] sorted = times[way].clone();
    Arrays.sort(sorted);
    return (sorted[SAMPLES / 2 - 1] + sorted[SAMPLES / 2]) / 2;
  }
}
