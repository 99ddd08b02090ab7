package io.planline.plan.optimal;

import io.planline.plan.OffsetProblem;
import io.planline.plan.arena.Sections;
import java.util.Arrays;

/**
 * The mutable state of the branch-and-bound search, with an undo trail so a placement can be
 * taken back in time proportional to what it changed.
 *
 * <p>For every unplaced buffer it keeps its floor ({@code minOffset}: the highest top of the placed
 * buffers it overlaps in time); for every section the sum of unplaced sizes ({@code total}), and,
 * computed on demand, the lowest floor of the unplaced buffers covering it ({@code lowFloor}:
 * nothing can be placed in the section below it, MiniMalloc's "unallocated floor"); for every
 * boundary between two sections the number of unplaced buffers crossing it ({@code cuts}: at zero
 * the two sides are independent).
 */
final class SearchState {

  static final long UNPLACED = -1;
  static final long NO_FLOOR = Long.MAX_VALUE;

  final OffsetProblem problem;
  final Sections sections;
  final int[][] overlaps;
  final long[] offset;
  final long[] minOffset;
  final long[] total;
  final long[] lowFloor;
  final int[] cuts;

  private final int leaves;
  private final long[] chmin;
  private int[] trailIndex = new int[1024];
  private long[] trailValue = new long[1024];
  private int trailTop;

  SearchState(OffsetProblem problem, Sections sections) {
    this(problem, sections, overlapLists(problem, sections));
  }

  /** A state over {@code overlaps} already worked out ({@link #overlapLists}). */
  SearchState(OffsetProblem problem, Sections sections, int[][] overlaps) {
    this.problem = problem;
    this.sections = sections;
    int n = problem.size();
    int count = sections.count();
    this.overlaps = overlaps;
    this.offset = new long[n];
    Arrays.fill(offset, UNPLACED);
    this.minOffset = new long[n];
    this.total = sections.loads(problem);
    this.lowFloor = new long[count];
    for (int s = 0; s < count; s++) {
      // sizes are positive, so a section with nothing to place has no unplaced size either
      lowFloor[s] = total[s] == 0 ? NO_FLOOR : 0;
    }
    this.cuts = new int[count];
    for (int i = 0; i < n; i++) {
      for (int s = sections.lo(i); s + 1 < sections.hi(i); s++) {
        cuts[s]++;
      }
    }
    int l = 1;
    while (l < Math.max(1, count)) {
      l <<= 1;
    }
    this.leaves = l;
    this.chmin = new long[2 * l];
  }

  /** A point to {@link #undo} back to. */
  int mark() {
    return trailTop;
  }

  /** Places buffer {@code b} at {@code y} and propagates floors. */
  void place(int b, long y) {
    long top = y + problem.size(b);
    offset[b] = y;
    int lo = sections.lo(b);
    int hi = sections.hi(b);
    for (int s = lo; s < hi; s++) {
      total[s] -= problem.size(b);
      if (s + 1 < hi) {
        cuts[s]--;
      }
    }
    for (int c : overlaps[b]) {
      long old = minOffset[c];
      if (offset[c] == UNPLACED && old < top) {
        push(c, old);
        minOffset[c] = top;
      }
    }
  }

  /**
   * Recomputes {@code lowFloor} over sections {@code [from, to)} from the lowest offsets at which
   * the unplaced buffers {@code ids} can still start, given that canonical order has reached
   * offset {@code x} after a buffer of rank {@code lastRank}: a range minimum written into a
   * segment tree, O(m log S + S). Returns false when some buffer can no longer be placed at all.
   */
  boolean computeLowFloors(int[] ids, int count, int from, int to, long x, int[] rank,
      int lastRank) {
    java.util.Arrays.fill(chmin, 1, 2 * leaves, NO_FLOOR);
    for (int k = 0; k < count; k++) {
      int c = ids[k];
      long v = minOffset[c];
      if (v < x || (v == x && rank[c] < lastRank)) {
        // Canonical order forbids placing c at its floor now: it can only start on the top of an
        // overlapping buffer placed later, at x or above; with none left, c is lost.
        v = lowestLaterTop(c, x);
        if (v == NO_FLOOR) {
          return false;
        }
      }
      int l = sections.lo(c) + leaves;
      int r = sections.hi(c) + leaves;
      while (l < r) {
        if ((l & 1) == 1) {
          chmin[l] = Math.min(chmin[l], v);
          l++;
        }
        if ((r & 1) == 1) {
          r--;
          chmin[r] = Math.min(chmin[r], v);
        }
        l >>= 1;
        r >>= 1;
      }
    }
    for (int node = 2; node < 2 * leaves; node++) {
      chmin[node] = Math.min(chmin[node], chmin[node >> 1]);
    }
    for (int s = from; s < to; s++) {
      lowFloor[s] = chmin[leaves + s];
    }
    return true;
  }

  /** The lowest top an unplaced buffer overlapping {@code c} can have if placed at x or above. */
  private long lowestLaterTop(int c, long x) {
    long best = NO_FLOOR;
    for (int d : overlaps[c]) {
      if (offset[d] == UNPLACED) {
        best = Math.min(best, Math.max(x, minOffset[d]) + problem.size(d));
      }
    }
    return best;
  }

  /** Whether some unplaced buffer overlaps {@code b} in time (MiniMalloc: b has a "hat"). */
  boolean hasUnplacedOverlap(int b) {
    for (int c : overlaps[b]) {
      if (offset[c] == UNPLACED) {
        return true;
      }
    }
    return false;
  }

  /** Takes back the placement of {@code b}, made right after {@code mark} was taken. */
  void undo(int b, int mark) {
    while (trailTop > mark) {
      trailTop--;
      minOffset[trailIndex[trailTop]] = trailValue[trailTop];
    }
    int lo = sections.lo(b);
    int hi = sections.hi(b);
    for (int s = lo; s < hi; s++) {
      total[s] += problem.size(b);
      if (s + 1 < hi) {
        cuts[s]++;
      }
    }
    offset[b] = UNPLACED;
  }

  private void push(int index, long value) {
    if (trailTop == trailIndex.length) {
      int grown = trailTop * 2;
      trailIndex = Arrays.copyOf(trailIndex, grown);
      trailValue = Arrays.copyOf(trailValue, grown);
    }
    trailIndex[trailTop] = index;
    trailValue[trailTop] = value;
    trailTop++;
  }

  private static int[][] buildMembers(int n, int count, Sections sections) {
    int[] sizes = new int[count];
    for (int i = 0; i < n; i++) {
      for (int s = sections.lo(i); s < sections.hi(i); s++) {
        sizes[s]++;
      }
    }
    int[][] members = new int[count][];
    for (int s = 0; s < count; s++) {
      members[s] = new int[sizes[s]];
      sizes[s] = 0;
    }
    for (int i = 0; i < n; i++) {
      for (int s = sections.lo(i); s < sections.hi(i); s++) {
        members[s][sizes[s]++] = i;
      }
    }
    return members;
  }

  /** For each buffer, the other buffers it overlaps in time. */
  static int[][] overlapLists(OffsetProblem problem, Sections sections) {
    return buildOverlaps(problem.size(), sections,
        buildMembers(problem.size(), sections.count(), sections));
  }

  /** Buffers overlapping each buffer in time: those in its first section or starting after it. */
  private static int[][] buildOverlaps(int n, Sections sections, int[][] members) {
    int[][] result = new int[n][];
    int[] buf = new int[n];
    for (int i = 0; i < n; i++) {
      int k = 0;
      int lo = sections.lo(i);
      for (int c : members[lo]) {
        if (c != i) {
          buf[k++] = c;
        }
      }
      for (int s = lo + 1; s < sections.hi(i); s++) {
        for (int c : members[s]) {
          if (sections.lo(c) == s) {
            buf[k++] = c;
          }
        }
      }
      result[i] = Arrays.copyOf(buf, k);
    }
    return result;
  }
}
