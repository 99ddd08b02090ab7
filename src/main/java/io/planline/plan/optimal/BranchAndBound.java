package io.planline.plan.optimal;

import io.planline.plan.OffsetProblem;
import io.planline.plan.arena.Sections;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Decides whether a problem fits under a capacity, by a depth-first search over canonical
 * placements (after MiniMalloc, Moffitt, ASPLOS 2023).
 *
 * <p>Canonical: every buffer sits at its floor (on 0 or on the top of a buffer below it), and
 * buffers are placed in non-decreasing offset order, ties by a static preorder rank. The placement
 * of least offset sum among those that fit is canonical and survives every rule below, so a
 * search that ends without a placement proves that none fits.
 * <ul>
 *   <li>monotone floor: once a buffer is placed at {@code y}, nothing goes below {@code y}, so in
 *       each section {@code max(y, lowFloor) + total} must fit (section inference);
 *   <li>dominance: a candidate is skipped when another unplaced buffer would fit wholly below it
 *       (placing that one lower gives a smaller offset sum);
 *   <li>symmetry: buffers of equal size and lifetime are placed in rank order;
 *   <li>decomposition: when no unplaced buffer crosses a section boundary, the two sides are
 *       solved separately, and each side's outcome is remembered by its exact state (a side that
 *       failed once fails again, a side that fit reuses its offsets).
 * </ul>
 */
final class BranchAndBound implements DecisionSearch {

  /** How a decision ended. */
  enum Outcome { FITS, DOES_NOT_FIT, GAVE_UP }

  private final SearchState state;
  private final OffsetProblem problem;
  private final Sections sections;
  private final int[] rank;
  private final int[] twinBefore;
  private final long capacity;
  private final long nodeLimit;
  private final long deadlineNanos;
  private final BooleanSupplier cancelled;
  private final long[] solution;
  private final PieceMemo memo;
  private long nodes;

  /**
   * A search for a placement of {@code problem} within {@code capacity}.
   *
   * <p>Requires: every size is positive.
   */
  BranchAndBound(OffsetProblem problem, Sections sections, int[] rank, long capacity,
      long nodeLimit, long deadlineNanos) {
    this(new SearchState(problem, sections), rank, capacity, nodeLimit, deadlineNanos,
        new PieceMemo(), () -> false);
  }

  /**
   * A search that reuses {@code state} (left as it found it) and {@code memo}, which must come
   * from searches of the same problem at the same capacity: what a piece's state allows does not
   * depend on the preorder. It gives up when {@code cancelled} turns true.
   */
  BranchAndBound(SearchState state, int[] rank, long capacity, long nodeLimit,
      long deadlineNanos, PieceMemo memo, BooleanSupplier cancelled) {
    this.cancelled = cancelled;
    this.problem = state.problem;
    this.sections = state.sections;
    this.state = state;
    this.memo = memo;
    this.rank = rank;
    this.twinBefore = twins(state.problem, rank);
    this.capacity = capacity;
    this.nodeLimit = nodeLimit;
    this.deadlineNanos = deadlineNanos;
    this.solution = new long[state.problem.size()];
  }

  @Override
  public Outcome run() {
    int n = problem.size();
    for (int i = 0; i < n; i++) {
      if (problem.size(i) > capacity) {
        return Outcome.DOES_NOT_FIT;
      }
    }
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    return search(all, 0, sections.count(), 0, -1);
  }

  @Override
  public long[] solution() {
    return solution.clone();
  }

  @Override
  public long nodes() {
    return nodes;
  }

  private Outcome search(int[] part, int from, int to, long x, int lastRank) {
    if (++nodes > nodeLimit || ((nodes & 255) == 0
        && (System.nanoTime() > deadlineNanos || cancelled.getAsBoolean()))) {
      return Outcome.GAVE_UP;
    }
    int m = 0;
    int[] cands = new int[part.length];
    long minHeight = Long.MAX_VALUE;
    for (int b : part) {
      if (state.offset[b] == SearchState.UNPLACED) {
        cands[m++] = b;
        long floor = state.minOffset[b];
        if (Math.max(floor, x) + problem.size(b) > capacity) {
          return Outcome.DOES_NOT_FIT;
        }
        minHeight = Math.min(minHeight, floor + problem.size(b));
      }
    }
    if (m == 0) {
      return Outcome.FITS;
    }
    if (!state.computeLowFloors(cands, m, from, to, x, rank, lastRank)
        || !check(from, to, x)) {
      return Outcome.DOES_NOT_FIT;
    }
    sortByFloor(cands, m);
    for (int k = 0; k < m; k++) {
      int b = cands[k];
      long y = state.minOffset[b];
      if (y < x || (y == x && rank[b] < lastRank)) {
        continue;
      }
      if (y >= minHeight) {
        break; // every later candidate is at least as high: dominated
      }
      int twin = twinBefore[b];
      if (twin >= 0 && state.offset[twin] == SearchState.UNPLACED) {
        continue;
      }
      int mark = state.mark();
      state.place(b, y);
      boolean hatless = !state.hasUnplacedOverlap(b);
      // Written at every placement: the last write of each buffer is on the path that fits.
      solution[b] = y;
      Outcome r = descend(part, from, to, b, y);
      state.undo(b, mark);
      if (r != Outcome.DOES_NOT_FIT || hatless) {
        // Hatless: nothing unplaced overlaps b, so its floor can never change again; after any
        // later candidate, canonical order would forbid b at that floor, so those fail too.
        return r;
      }
    }
    return Outcome.DOES_NOT_FIT;
  }

  /** After placing {@code b} at {@code y}: goes on in this part, or in its independent pieces. */
  private Outcome descend(int[] part, int from, int to, int b, long y) {
    int lo = Math.max(from, sections.lo(b));
    int hi = Math.min(to, sections.hi(b));
    int[] cuts = new int[Math.max(0, hi - lo - 1)];
    int n = 0;
    for (int s = lo; s + 1 < hi; s++) {
      if (state.cuts[s] == 0) {
        cuts[n++] = s + 1;
      }
    }
    if (n == 0) {
      return search(part, from, to, y, rank[b]);
    }
    List<int[]> pieces = Pieces.split(part, c -> state.offset[c] == SearchState.UNPLACED,
        sections, from, to, Arrays.copyOf(cuts, n),
        p -> Pieces.slack(p, capacity, state.lowFloor, state.total));
    for (int[] piece : pieces) {
      Outcome r = solvePiece(piece, y);
      if (r != Outcome.FITS) {
        return r;
      }
    }
    return Outcome.FITS;
  }

  /** Solves one independent piece, through the memo. {@code piece} = {from, to, ids...}. */
  private Outcome solvePiece(int[] piece, long y) {
    int from = piece[0];
    int to = piece[1];
    int[] ids = Arrays.copyOfRange(piece, 2, piece.length);
    PartKey key = PartKey.of(from, to, y, ids, state.minOffset);
    return memo.solve(key, ids, solution, () -> search(ids, from, to, y, -1));
  }

  /** Section inference: above the monotone floor, every section's unplaced buffers must fit. */
  private boolean check(int from, int to, long x) {
    for (int s = from; s < to; s++) {
      long t = state.total[s];
      if (t > 0 && Math.max(x, state.lowFloor[s]) + t > capacity) {
        return false;
      }
    }
    return true;
  }

  /** Insertion sort by (floor, rank): candidate lists are short and nearly sorted. */
  private void sortByFloor(int[] a, int m) {
    long[] floor = state.minOffset;
    for (int i = 1; i < m; i++) {
      int v = a[i];
      int j = i - 1;
      while (j >= 0 && (floor[a[j]] > floor[v] || (floor[a[j]] == floor[v]
          && rank[a[j]] > rank[v]))) {
        a[j + 1] = a[j];
        j--;
      }
      a[j + 1] = v;
    }
  }

  /** For each buffer, the next-lower-ranked buffer of equal size and lifetime, or -1. */
  static int[] twins(OffsetProblem p, int[] rank) {
    int n = p.size();
    Integer[] ids = new Integer[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
    }
    Arrays.sort(ids, (a, b) -> {
      int c = Long.compare(p.size(a), p.size(b));
      c = c != 0 ? c : Integer.compare(p.first(a), p.first(b));
      c = c != 0 ? c : Integer.compare(p.last(a), p.last(b));
      return c != 0 ? c : Integer.compare(rank[a], rank[b]);
    });
    int[] before = new int[n];
    Arrays.fill(before, -1);
    for (int k = 1; k < n; k++) {
      int a = ids[k - 1];
      int b = ids[k];
      if (p.size(a) == p.size(b) && p.first(a) == p.first(b) && p.last(a) == p.last(b)) {
        before[b] = a;
      }
    }
    return before;
  }
}
