package io.planline.plan.offset;

import java.util.Arrays;

/**
 * The classic hole-filling greedy: take buffers in a fixed order and put each in a gap between the
 * placed buffers it overlaps in time, or on top of them (TFLite / Pisarchyk–Lee "greedy by size
 * for offset calculation"). {@link Fit#BEST} takes the smallest gap that fits, {@link Fit#FIRST}
 * the lowest.
 *
 * <p>Each placement scans all placed buffers, so a pass is O(n²): the portfolio runs it only on
 * problems of moderate size and relies on {@link SkylinePlacer} for the large ones.
 */
final class GapPlacer {

  /** Which gap a buffer takes. */
  enum Fit { BEST, FIRST }

  private GapPlacer() {}

  /** Offsets for every buffer of {@code problem}, placed in {@code order}. */
  static long[] place(OffsetProblem problem, int[] order, Fit fit) {
    int n = problem.size();
    long[] offsets = new long[n];
    int[] placed = new int[n];
    int placedCount = 0;
    long[] starts = new long[n];
    long[] ends = new long[n];
    for (int b : order) {
      long size = problem.size(b);
      int k = 0;
      for (int j = 0; j < placedCount; j++) {
        int o = placed[j];
        if (problem.overlapsInTime(b, o) && problem.size(o) > 0) {
          // Pack (start, end) so one sort orders neighbours by start.
          starts[k] = offsets[o];
          ends[k] = offsets[o] + problem.size(o);
          k++;
        }
      }
      offsets[b] = size == 0 ? 0 : choose(starts, ends, k, size, fit);
      placed[placedCount++] = b;
    }
    return offsets;
  }

  /** The offset of the chosen gap among {@code k} occupied intervals. */
  private static long choose(long[] starts, long[] ends, int k, long size, Fit fit) {
    sortByStart(starts, ends, k);
    long bestOffset = -1;
    long bestGap = Long.MAX_VALUE;
    long cursor = 0; // lowest free offset so far: the end of the union of earlier intervals
    for (int j = 0; j < k; j++) {
      long gap = starts[j] - cursor;
      if (gap >= size) {
        if (fit == Fit.FIRST) {
          return cursor;
        }
        if (gap < bestGap) {
          bestGap = gap;
          bestOffset = cursor;
        }
      }
      cursor = Math.max(cursor, ends[j]);
    }
    return bestOffset >= 0 ? bestOffset : cursor;
  }

  private static void sortByStart(long[] starts, long[] ends, int k) {
    if (k < 2) {
      return;
    }
    long[][] pairs = new long[k][];
    for (int j = 0; j < k; j++) {
      pairs[j] = new long[] {starts[j], ends[j]};
    }
    Arrays.sort(pairs, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0])
        : Long.compare(a[1], b[1]));
    for (int j = 0; j < k; j++) {
      starts[j] = pairs[j][0];
      ends[j] = pairs[j][1];
    }
  }
}
