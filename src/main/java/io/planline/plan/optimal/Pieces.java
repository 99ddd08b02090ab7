package io.planline.plan.optimal;

import io.planline.plan.arena.Sections;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.function.ToLongFunction;

/**
 * Splitting a part of a search into independent pieces where no unplaced buffer crosses a
 * section boundary (both engines do this; each solves the pieces through its memo).
 */
final class Pieces {

  private Pieces() {}

  /**
   * The buffers of {@code ids} that {@code keep} accepts, grouped by the sections [from, to) cut
   * before each of {@code cuts} (ascending, inside (from, to)), as pieces {@code {from, to,
   * ids...}}; empty pieces are dropped. Tightest first (least {@code slack}): a failure there
   * saves solving the others.
   */
  static List<int[]> split(int[] ids, IntPredicate keep, Sections sections, int from, int to,
      int[] cuts, ToLongFunction<int[]> slack) {
    List<int[]> pieces = new ArrayList<>();
    int start = from;
    for (int c = 0; c <= cuts.length; c++) {
      int end = c < cuts.length ? cuts[c] : to;
      int k = 2;
      int[] buf = new int[ids.length + 2];
      for (int b : ids) {
        if (keep.test(b) && sections.lo(b) >= start && sections.hi(b) <= end) {
          buf[k++] = b;
        }
      }
      if (k > 2) {
        buf[0] = start;
        buf[1] = end;
        pieces.add(Arrays.copyOf(buf, k));
      }
      start = end;
    }
    pieces.sort((a, b) -> Long.compare(slack.applyAsLong(a), slack.applyAsLong(b)));
    return pieces;
  }

  /**
   * A piece's least room left over a section: capacity minus the section's floor minus what is
   * still to be placed there, over the sections that still have something to place.
   */
  static long slack(int[] piece, long capacity, long[] floor, long[] total) {
    long worst = Long.MAX_VALUE;
    for (int s = piece[0]; s < piece[1]; s++) {
      if (total[s] > 0) {
        worst = Math.min(worst, capacity - floor[s] - total[s]);
      }
    }
    return worst;
  }
}
