package io.planline.plan.arena;

import io.planline.plan.OffsetProblem;

/**
 * The lowest-first greedy: repeatedly place, at its floor, the unplaced buffer whose floor is the
 * lowest (ties by a static preorder), where a buffer's floor is the highest top of the placed
 * buffers it overlaps in time. It is the first dive of MiniMalloc's search, without backtracking.
 *
 * <pre>
 *  offset
 *    ^      +-----+            buffers are dropped onto the skyline of placed tops, lowest
 *    |   +--+  c  |            landing spot first; holes under a landed buffer stay empty
 *    |   | a +--+-+--+
 *    |   +---+  |  b |
 *    +------------------> time (sections)
 * </pre>
 *
 * <p>Floors per section live in a {@link MaxSegmentTree}; the candidates in a heap keyed by a
 * floor that can only rise, so a stale key is a lower bound and is refreshed when popped. Time is
 * O(n log n) plus O(log n) per refresh. On large problems a long buffer under a busy skyline can
 * be refreshed thousands of times, so each buffer has a patience: once refreshed that often it is
 * placed at its current floor even if that is not the lowest (measured on the idealloc traces:
 * Y_1 goes from 11 s to under 1 s a pass at the same height).
 */
final class SkylinePlacer {

  private SkylinePlacer() {}

  /** Refreshes allowed per buffer: unlimited in practice below a few thousand buffers. */
  static int patience(int n) {
    return (int) Math.max(128, Math.min(4096, 20_000_000L / Math.max(1, n)));
  }

  /** Offsets for every buffer of {@code problem}, ties broken by {@code rank} (lower first). */
  static long[] place(OffsetProblem problem, Sections sections, int[] rank) {
    int n = problem.size();
    long[] offsets = new long[n];
    long[] key = new long[n];
    int[] stale = new int[n];
    int patience = patience(n);
    MaxSegmentTree floors = new MaxSegmentTree(sections.count());
    IdHeap heap = new IdHeap(n, key, rank);
    for (int i = 0; i < n; i++) {
      heap.push(i);
    }
    while (!heap.isEmpty()) {
      int b = heap.pop();
      long floor = floors.max(sections.lo(b), sections.hi(b));
      if (floor > key[b] && ++stale[b] <= patience) {
        key[b] = floor;
        heap.push(b);
        continue;
      }
      offsets[b] = floor;
      if (problem.size(b) > 0) {
        floors.assign(sections.lo(b), sections.hi(b), floor + problem.size(b));
      }
    }
    return offsets;
  }
}
