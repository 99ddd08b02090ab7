package io.planline.plan.offset;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * Decisions over one independent component, by {@link BranchAndBound} runs with restarts.
 *
 * <p>A search cut short by its node limit says nothing, so the next attempt, with another
 * preorder, may find quickly what this one would find slowly (MiniMalloc's round robin, here on a
 * Luby schedule). Node limits make every run deterministic; only the wall-clock deadline can end
 * a decision early.
 */
final class ExactSearch {

  /** The preorders a decision cycles through. */
  static final List<Preorder> ORDERS = List.of(
      Preorder.TOTAL_AREA, Preorder.TOTAL_LENGTH_AREA, Preorder.LENGTH_AREA_TOTAL);

  /**
   * Above this many buffers the search is not tried: its per-node work and its overlap lists grow
   * with the number of buffers live together (tens of millions of pairs on the largest traces).
   */
  static final int SIZE_LIMIT = 5_000;

  /** A decision's answer: a placement, a proof that none exists, or neither. */
  record Decision(BranchAndBound.Outcome outcome, long @Nullable [] offsets) {}

  private final OffsetProblem problem;
  private final Sections sections;
  private final int[][] ranks;
  private final SearchState state;

  ExactSearch(OffsetProblem problem) {
    this.problem = problem;
    this.sections = new Sections(problem);
    this.state = new SearchState(problem, sections);
    this.ranks = new int[ORDERS.size()][];
    for (int k = 0; k < ORDERS.size(); k++) {
      ranks[k] = ORDERS.get(k).ranks(problem, sections);
    }
  }

  /**
   * Whether the component fits within {@code capacity}, searching until it is decided, the node
   * budget {@code maxNodes} is spent, or {@code deadlineNanos} ({@link System#nanoTime}) passes.
   *
   * <p>Attempts follow the Luby restart sequence (node limits 1, 1, 2, 1, 1, 2, 4, ... units):
   * backtracking search has heavy-tailed run times, and a fresh start with another order often
   * ends quickly where one long run would not. Attempt {@code a} uses base order {@code a mod 3},
   * shuffled locally from the fourth attempt on with seed {@code a}, so runs are reproducible.
   * Any attempt that finishes its search decides the question, whatever its order.
   */
  Decision decide(long capacity, long maxNodes, long deadlineNanos) {
    if (capacity < problem.lowerBound()) {
      return new Decision(BranchAndBound.Outcome.DOES_NOT_FIT, null);
    }
    Map<PartKey, long @Nullable []> memo = new HashMap<>();
    long unit = Long.getLong("unitBase", 1_000) + Long.getLong("unitPer", 20) * problem.size();
    long spent = 0;
    for (int attempt = 0; spent < maxNodes && System.nanoTime() < deadlineNanos; attempt++) {
      long allowed = Math.min(unit * luby(attempt + 1), maxNodes - spent);
      int[] rank = attempt < ranks.length ? ranks[attempt]
          : shuffled(ranks[attempt % ranks.length], attempt);
      BranchAndBound search = new BranchAndBound(state, rank, capacity, allowed, deadlineNanos,
          memo);
      BranchAndBound.Outcome outcome = search.run();
      spent += search.nodes();
      if (outcome == BranchAndBound.Outcome.FITS) {
        return new Decision(outcome, search.solution());
      }
      if (outcome == BranchAndBound.Outcome.DOES_NOT_FIT) {
        return new Decision(outcome, null);
      }
    }
    return new Decision(BranchAndBound.Outcome.GAVE_UP, null);
  }

  /** The i-th term (from 1) of the Luby sequence 1, 1, 2, 1, 1, 2, 4, 1, ... */
  static long luby(int i) {
    int k = 1;
    while ((1L << k) - 1 < i) {
      k++;
    }
    if ((1L << k) - 1 == i) {
      return 1L << (k - 1);
    }
    return luby(i - (int) ((1L << (k - 1)) - 1));
  }

  /** {@code rank} with every buffer moved by a random amount up to a tenth of the list. */
  private static int[] shuffled(int[] rank, long seed) {
    int n = rank.length;
    Random rnd = new Random(seed);
    int window = Math.max(2, n / Integer.getInteger("windowDiv", 10));
    long[] keyed = new long[n];
    for (int i = 0; i < n; i++) {
      keyed[i] = ((long) (rank[i] + rnd.nextInt(window)) << 32) | i;
    }
    Arrays.sort(keyed);
    int[] result = new int[n];
    for (int r = 0; r < n; r++) {
      result[(int) keyed[r]] = r;
    }
    return result;
  }
}
