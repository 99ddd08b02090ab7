package io.planline.exec;

import java.util.Arrays;

/**
 * Whether one program's requests that {@link SplitRule} would split do, decided by what both
 * ways measure on this machine rather than assumed. Splitting gains where one thread per call
 * beats a call split over the cores: on the 2-core build machine digits-cnn [64] and tiny-gpt
 * [8,64] ran 25-40% faster. Elsewhere it need not: ResNet-50 [8] measured level there (208.8 ms
 * split, 208.5 whole, this trial's medians), BERT [8] slower in one run each (session 22,
 * docs/benchmarks.md), and no other processor has been measured split. Which holds depends on
 * the processor, the program and the rows, so each program finds out.
 *
 * <p>A trial runs {@link #SAMPLES} requests each way, in turn, whole first, and chooses the way
 * whose times have the lower median (so that a collection or a preempted thread in one run does
 * not decide). The choice holds for a while, then a new trial runs: first after {@link
 * #FIRST_GAP} requests, each gap twice the last, up to {@link #MAX_GAP}. The first trials come
 * soon because a program's first runs are its slowest (code compiled, caches filled) and may
 * choose wrong; later ones follow a machine that changes (other work on the cores, a slower
 * period of a shared host). Both ways run in turn within a trial: the way not chosen, run once
 * in a while among the chosen one's runs, always starts cold and would never win back.
 *
 * <p>Only requests that may split are timed here, each from its start to its answer: both ways
 * then run alone ({@link SplitRule} splits nothing beside other requests).
 */
final class SplitTrial {

  /** Requests timed each way in a trial. */
  static final int SAMPLES = 8;
  /** Requests that may split between the first trial and the second. */
  static final int FIRST_GAP = 32;
  /** The most requests between two trials. */
  static final int MAX_GAP = 1024;

  private static final int WHOLE = 0;
  private static final int SPLIT = 1;

  /** This trial's times of each way, and its requests told to run each way. */
  private final long[][] times = new long[2][SAMPLES];
  private final int[] timed = new int[2];
  private final int[] told = new int[2];
  /** The last trial's medians, or -1 before the first ended. */
  private final long[] medians = {-1, -1};
  private boolean chosenSplit;
  /** Requests left to run the chosen way before the next trial (0: a trial runs). */
  private int untilTrial;
  private int gap = FIRST_GAP;
  private int trials;

  /** Whether the next request that may split does. */
  synchronized boolean split() {
    if (untilTrial > 0) {
      untilTrial--;
      return chosenSplit;
    }
    boolean split = timed[WHOLE] > timed[SPLIT];
    told[split ? SPLIT : WHOLE]++;
    return split;
  }

  /**
   * Records that a request that may split ran whole or split and took {@code nanos}; true when
   * that ends a trial. Kept only for a request the trial told to run that way: not one told
   * before the trial began, nor one told to split that ran whole (its parts' programs were
   * still being planned).
   */
  synchronized boolean record(boolean split, long nanos) {
    int way = split ? SPLIT : WHOLE;
    if (timed[way] >= told[way] || timed[way] == SAMPLES) {
      return false;
    }
    times[way][timed[way]++] = nanos;
    if (timed[WHOLE] < SAMPLES || timed[SPLIT] < SAMPLES) {
      return false;
    }
    medians[WHOLE] = median(WHOLE);
    medians[SPLIT] = median(SPLIT);
    chosenSplit = medians[SPLIT] < medians[WHOLE];
    Arrays.fill(timed, 0);
    Arrays.fill(told, 0);
    untilTrial = gap;
    gap = Math.min(2 * gap, MAX_GAP);
    trials++;
    return true;
  }

  /** The median of a way's times in the last trial, in nanoseconds; -1 before one ended. */
  synchronized long medianNanos(boolean split) {
    return medians[split ? SPLIT : WHOLE];
  }

  /** Trials ended so far. */
  synchronized int trials() {
    return trials;
  }

  /** Requests that may split before the next trial starts (0: one is running). */
  synchronized int untilTrial() {
    return untilTrial;
  }

  private long median(int way) {
    long[] sorted = times[way].clone();
    Arrays.sort(sorted);
    return (sorted[SAMPLES / 2 - 1] + sorted[SAMPLES / 2]) / 2;
  }
}
