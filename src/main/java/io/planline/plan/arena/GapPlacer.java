package io.planline.plan.arena;

import io.planline.plan.OffsetProblem;

/**
 * The classic hole-filling greedy: take buffers in a fixed order and put each in a gap between the
 * placed buffers it overlaps in time, or on top of them (TFLite / Pisarchyk–Lee "greedy by size
 * for offset calculation"). {@link Fit#BEST} takes the smallest gap that fits, {@link Fit#FIRST}
 * the lowest.
 *
 * <p>Placed buffers are kept sorted by offset, so gaps come out of one scan; each placement scans
 * all placed buffers, so a pass is O(n²): the portfolio runs it only on problems of moderate size
 * and relies on {@link SkylinePlacer} for the large ones.
 */
final class GapPlacer {

  /** Which gap a buffer takes. */
  enum Fit { BEST, FIRST }

  private GapPlacer() {}

  /** Offsets for every buffer of {@code problem}, placed in {@code order}. */
  static long[] place(OffsetProblem problem, int[] order, Fit fit) {
    int n = problem.size();
    long[] offsets = new long[n];
    int[] byOffset = new int[n]; // placed buffers of positive size, by offset
    int placed = 0;
    for (int b : order) {
      long size = problem.size(b);
      if (size == 0) {
        offsets[b] = 0;
        continue;
      }
      long bestOffset = -1;
      long bestGap = Long.MAX_VALUE;
      long cursor = 0; // lowest free offset so far: the end of the union of earlier conflicts
      for (int k = 0; k < placed; k++) {
        int o = byOffset[k];
        if (!problem.overlapsInTime(b, o)) {
          continue;
        }
        long gap = offsets[o] - cursor;
        if (gap >= size && gap < bestGap) {
          bestGap = gap;
          bestOffset = cursor;
          if (fit == Fit.FIRST) {
            break;
          }
        }
        cursor = Math.max(cursor, offsets[o] + problem.size(o));
      }
      long y = bestOffset >= 0 ? bestOffset : cursor;
      offsets[b] = y;
      int at = placed;
      while (at > 0 && offsets[byOffset[at - 1]] > y) {
        at--;
      }
      System.arraycopy(byOffset, at, byOffset, at + 1, placed - at);
      byOffset[at] = b;
      placed++;
    }
    return offsets;
  }
}
