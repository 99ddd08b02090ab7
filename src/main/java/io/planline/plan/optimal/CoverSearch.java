package io.planline.plan.optimal;

import io.planline.plan.OffsetProblem;
import io.planline.plan.arena.Sections;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * Decides whether a problem fits under a capacity by a depth-first search over the skyline: each
 * node picks one point just above the skyline of one section and branches on which unplaced
 * buffer starts there, or on nothing starting there (the space is wasted).
 *
 * <p>This complements {@link BranchAndBound}, whose non-decreasing offset order sweeps all of
 * time at once. Here the point is chosen fail first, in any valley of the skyline (a run of
 * sections at one height whose neighbours are higher or have nothing left to place):
 * <ul>
 *   <li>a section below its lowest floor has nothing to choose: its skyline is raised to it;
 *   <li>the chosen section is the one with the fewest branches: its candidates (buffers covering
 *       it whose floor is its skyline), plus one if it still has slack; with no slack
 *       (skyline + unplaced sizes = capacity) the point must be covered;
 *   <li>when nothing covers the point, each buffer covering the section starts at its own higher
 *       floor or on top of an unplaced buffer overlapping it, so the skyline rises to the lowest
 *       such level; a candidate that overlaps nothing unplaced would rest on the skyline, so then
 *       that branch is empty;
 *   <li>when no unplaced buffer crosses a section boundary the two sides are solved apart, each
 *       remembered by its exact state (as in {@link BranchAndBound}).
 * </ul>
 *
 * <p>Completeness: if a placement fits, one in which no buffer can move down fits too. In it,
 * either a buffer starts at the chosen point (its floor is the skyline there: a candidate) or
 * none does (each buffer covering the section rests on something above the skyline). In a valley
 * every candidate lies within the valley, so placing it leaves no hole under it. Branches are
 * disjoint, and buffers of equal size and lifetime are taken in rank order.
 */
final class CoverSearch implements DecisionSearch {

  private static final long NONE = Long.MAX_VALUE;

  private final OffsetProblem problem;
  private final Sections sections;
  private final int[][] overlaps;
  private final int[] rank;
  private final int[] twinBefore;
  private final long capacity;
  private final long nodeLimit;
  private final long deadlineNanos;
  private final BooleanSupplier cancelled;

  private final Skyline sky;
  private final long[] solution;
  // Per-node scratch, shared by all depths: valid from when a node computes it until it first
  // recurses (after that, read the skyline again, as wasteLevel does).
  private final long[] lowFloor;
  private final int[] count;
  private final int[] cross;
  private final long[] floorNow;
  private final PieceMemo memo;

  private long nodes;

  CoverSearch(OffsetProblem problem, Sections sections, int[][] overlaps, int[] rank,
      long capacity, long nodeLimit, long deadlineNanos, PieceMemo memo,
      BooleanSupplier cancelled) {
    this.problem = problem;
    this.sections = sections;
    this.overlaps = overlaps;
    this.rank = rank;
    this.twinBefore = BranchAndBound.twins(problem, rank);
    this.capacity = capacity;
    this.nodeLimit = nodeLimit;
    this.deadlineNanos = deadlineNanos;
    this.cancelled = cancelled;
    int n = problem.size();
    int sc = sections.count();
    this.sky = new Skyline(problem, sections);
    this.solution = new long[n];
    this.lowFloor = new long[sc];
    this.count = new int[sc];
    this.cross = new int[sc];
    this.floorNow = new long[n];
    this.memo = memo;
  }

  @Override
  public BranchAndBound.Outcome run() {
    int n = problem.size();
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      if (problem.size(i) > capacity) {
        return BranchAndBound.Outcome.DOES_NOT_FIT;
      }
      all[i] = i;
    }
    return search(all, 0, sections.count());
  }

  @Override
  public long[] solution() {
    return solution.clone();
  }

  @Override
  public long nodes() {
    return nodes;
  }

  /** Searches the sections [from, to) holding the buffers of {@code ids} not yet placed. */
  private BranchAndBound.Outcome search(int[] ids, int from, int to) {
    if (++nodes > nodeLimit || ((nodes & 255) == 0
        && (System.nanoTime() > deadlineNanos || cancelled.getAsBoolean()))) {
      return BranchAndBound.Outcome.GAVE_UP;
    }
    int k = 0;
    int[] cur = new int[ids.length];
    for (int b : ids) {
      if (sky.offset[b] == SearchState.UNPLACED) {
        cur[k++] = b;
      }
    }
    if (k == 0) {
      return BranchAndBound.Outcome.FITS;
    }
    if (k < ids.length) {
      cur = Arrays.copyOf(cur, k);
    }
    int mark = sky.mark();
    BranchAndBound.Outcome r = node(cur, from, to);
    sky.rollback(mark);
    return r;
  }

  private BranchAndBound.Outcome node(int[] ids, int from, int to) {
    Arrays.fill(lowFloor, from, to, NONE);
    for (int b : ids) {
      long f = sky.floorOf(b);
      floorNow[b] = f;
      for (int s = sections.lo(b); s < sections.hi(b); s++) {
        if (f < lowFloor[s]) {
          lowFloor[s] = f;
        }
      }
    }
    // Normalise: nothing starts below a section's lowest floor (floors stay as they are, since
    // every buffer covering the section has a floor at least that high).
    for (int s = from; s < to; s++) {
      if (lowFloor[s] != NONE && lowFloor[s] > sky.height[s]) {
        sky.raise(s, lowFloor[s]);
      }
    }
    Arrays.fill(count, from, to, 0);
    Arrays.fill(cross, from, to, 0);
    for (int b : ids) {
      long f = floorNow[b];
      for (int s = sections.lo(b); s < sections.hi(b); s++) {
        if (sky.height[s] == f) {
          count[s]++;
        }
        if (s + 1 < sections.hi(b)) {
          cross[s]++;
        }
      }
    }
    boolean split = false;
    for (int s = from; s < to; s++) {
      if (sky.total[s] == 0) {
        continue;
      }
      long slack = capacity - sky.height[s] - sky.total[s];
      if (slack < 0 || (slack == 0 && count[s] == 0)) {
        return BranchAndBound.Outcome.DOES_NOT_FIT;
      }
      split |= s + 1 < to && cross[s] == 0;
    }
    if (split) {
      BranchAndBound.Outcome r = pieces(ids, from, to);
      if (r != null) {
        return r;
      }
    }
    int s = mostConstrained(from, to);
    long h = sky.height[s];
    int[] cands = candidates(ids, s, h);
    for (int b : cands) {
      int twin = twinBefore[b];
      if (twin >= 0 && sky.offset[twin] == SearchState.UNPLACED) {
        continue;
      }
      int mark = sky.mark();
      sky.place(b, h);
      // Written at every placement: the last write of each buffer is on the path that fits.
      solution[b] = h;
      BranchAndBound.Outcome r = search(ids, from, to);
      sky.unplace(b, mark);
      if (r != BranchAndBound.Outcome.DOES_NOT_FIT) {
        return r;
      }
    }
    if (capacity - h - sky.total[s] == 0) {
      return BranchAndBound.Outcome.DOES_NOT_FIT; // no slack: the point must be covered
    }
    long raised = wasteLevel(ids, s, h);
    if (raised == NONE || raised + sky.total[s] > capacity) {
      return BranchAndBound.Outcome.DOES_NOT_FIT;
    }
    sky.raise(s, raised);
    return search(ids, from, to);
  }

  /**
   * Solves the independent pieces of [from, to) one by one (tightest first), through the memo;
   * null if there is only one piece after all.
   */
  private BranchAndBound.@org.jspecify.annotations.Nullable Outcome pieces(int[] ids, int from,
      int to) {
    int[] cuts = new int[to - from];
    int n = 0;
    for (int s = from; s + 1 < to; s++) {
      if (cross[s] == 0) {
        cuts[n++] = s + 1;
      }
    }
    java.util.List<int[]> parts = Pieces.split(ids, b -> true, sections, from, to,
        Arrays.copyOf(cuts, n), p -> Pieces.slack(p, capacity, sky.height, sky.total));
    if (parts.size() < 2) {
      return null;
    }
    for (int[] piece : parts) {
      BranchAndBound.Outcome r = solvePiece(piece);
      if (r != BranchAndBound.Outcome.FITS) {
        return r;
      }
    }
    return BranchAndBound.Outcome.FITS;
  }

  private BranchAndBound.Outcome solvePiece(int[] piece) {
    int from = piece[0];
    int to = piece[1];
    int[] ids = Arrays.copyOfRange(piece, 2, piece.length);
    Arrays.sort(ids);
    long[] key = new long[2 + (to - from) + ids.length];
    key[0] = from;
    key[1] = to;
    for (int s = from; s < to; s++) {
      key[2 + s - from] = sky.height[s];
    }
    for (int i = 0; i < ids.length; i++) {
      key[2 + (to - from) + i] = ids[i];
    }
    return memo.solve(PartKey.of(key), ids, solution, () -> search(ids, from, to));
  }

  /** Unplaced buffers covering section s whose floor is h, in rank order. */
  private int[] candidates(int[] ids, int s, long h) {
    int[] c = new int[count[s]];
    int m = 0;
    for (int b : ids) {
      if (sections.lo(b) <= s && s < sections.hi(b) && floorNow[b] == h) {
        c[m++] = b;
      }
    }
    c = Arrays.copyOf(c, m);
    // Insertion sort by rank: candidate lists are short.
    for (int i = 1; i < m; i++) {
      int v = c[i];
      int j = i - 1;
      while (j >= 0 && rank[c[j]] > rank[v]) {
        c[j + 1] = c[j];
        j--;
      }
      c[j + 1] = v;
    }
    return c;
  }

  /**
   * The section, among those in a valley (a run of equal skyline whose neighbours are higher or
   * have nothing left to place), with the fewest branches; ties: lower, then earlier. Every
   * candidate there lies within the valley, so placing it leaves no hole below it.
   */
  private int mostConstrained(int from, int to) {
    int best = -1;
    long bestBranches = Long.MAX_VALUE;
    int s = from;
    while (s < to) {
      if (sky.total[s] == 0) {
        s++;
        continue;
      }
      int e = s + 1;
      while (e < to && sky.total[e] > 0 && sky.height[e] == sky.height[s]) {
        e++;
      }
      long h = sky.height[s];
      boolean leftWall = s == from || sky.total[s - 1] == 0 || sky.height[s - 1] > h;
      boolean rightWall = e == to || sky.total[e] == 0 || sky.height[e] > h;
      if (leftWall && rightWall) {
        for (int t = s; t < e; t++) {
          long branches = count[t] + (capacity - h - sky.total[t] > 0 ? 1 : 0);
          if (branches < bestBranches || (branches == bestBranches && h < sky.height[best])) {
            best = t;
            bestBranches = branches;
          }
        }
      }
      s = e;
    }
    return best;
  }

  /**
   * Where the chosen section's skyline goes when nothing covers (s, h): each buffer covering s
   * starts at its floor if that is higher, else on top of an unplaced buffer overlapping it.
   */
  private long wasteLevel(int[] ids, int s, long h) {
    long level = NONE;
    for (int b : ids) {
      if (sections.lo(b) > s || s >= sections.hi(b)) {
        continue;
      }
      long f = sky.floorOf(b); // floorNow was overwritten by the candidates' subtrees
      if (f > h) {
        level = Math.min(level, f);
        continue;
      }
      long under = NONE;
      for (int d : overlaps[b]) {
        if (sky.offset[d] == SearchState.UNPLACED) {
          under = Math.min(under, h + problem.size(d));
        }
      }
      if (under == NONE) {
        return NONE; // b would rest on the skyline, covering (s, h)
      }
      level = Math.min(level, under);
    }
    return level;
  }
}
