package io.planline.plan.optimal;

import io.planline.plan.OffsetProblem;
import io.planline.plan.arena.Sections;
import java.util.Arrays;

/**
 * The state of a {@link CoverSearch}: placed buffers, the skyline (per section, the height below
 * which nothing more goes) and the unplaced size per section, with an undo trail.
 */
final class Skyline {

  private final OffsetProblem problem;
  private final Sections sections;
  /** Per section: everything below is taken by placed buffers or given up as waste. */
  final long[] height;
  /** Per section: the total size of the unplaced buffers covering it. */
  final long[] total;
  /** Per buffer: its offset, or {@link SearchState#UNPLACED}. */
  final long[] offset;

  // Undo trail of height changes: (section, old height).
  private int[] trailSection = new int[1024];
  private long[] trailHeight = new long[1024];
  private int trailTop;

  Skyline(OffsetProblem problem, Sections sections) {
    this.problem = problem;
    this.sections = sections;
    this.height = new long[sections.count()];
    this.total = sections.loads(problem);
    this.offset = new long[problem.size()];
    Arrays.fill(offset, SearchState.UNPLACED);
  }

  /** The lowest offset buffer {@code b} can take: the highest skyline over its lifetime. */
  long floorOf(int b) {
    long f = 0;
    for (int s = sections.lo(b); s < sections.hi(b); s++) {
      f = Math.max(f, height[s]);
    }
    return f;
  }

  /** A point to roll back to. */
  int mark() {
    return trailTop;
  }

  /** Places {@code b} at {@code y}: the skyline over its lifetime becomes its top. */
  void place(int b, long y) {
    offset[b] = y;
    long top = y + problem.size(b);
    for (int s = sections.lo(b); s < sections.hi(b); s++) {
      total[s] -= problem.size(b);
      raise(s, top);
    }
  }

  /** Takes back the placement of {@code b}, made right after {@code mark} was taken. */
  void unplace(int b, int mark) {
    rollback(mark);
    offset[b] = SearchState.UNPLACED;
    for (int s = sections.lo(b); s < sections.hi(b); s++) {
      total[s] += problem.size(b);
    }
  }

  /** Sets the skyline of section {@code s} to {@code v}. */
  void raise(int s, long v) {
    if (trailTop == trailSection.length) {
      trailSection = Arrays.copyOf(trailSection, 2 * trailTop);
      trailHeight = Arrays.copyOf(trailHeight, 2 * trailTop);
    }
    trailSection[trailTop] = s;
    trailHeight[trailTop] = height[s];
    trailTop++;
    height[s] = v;
  }

  /** Undoes every skyline change since {@code mark}. */
  void rollback(int mark) {
    while (trailTop > mark) {
      trailTop--;
      height[trailSection[trailTop]] = trailHeight[trailTop];
    }
  }
}
