package io.planline.plan.offset;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Decision and minimisation over one independent component, by {@link BranchAndBound} runs.
 *
 * <p>A decision tries several preorders in turn with a node limit that doubles every round
 * (MiniMalloc's round robin): a search cut short by its node limit says nothing, so the next
 * preorder may find quickly what this one would find slowly. Node limits make every run
 * deterministic; only the wall-clock deadline can end a decision early.
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

  ExactSearch(OffsetProblem problem) {
    this.problem = problem;
    this.sections = new Sections(problem);
    this.ranks = new int[ORDERS.size()][];
    for (int k = 0; k < ORDERS.size(); k++) {
      ranks[k] = ORDERS.get(k).ranks(problem, sections);
    }
  }

  /**
   * Whether the component fits within {@code capacity}, searching until it is decided, the node
   * budget {@code maxNodes} is spent, or {@code deadlineNanos} ({@link System#nanoTime}) passes.
   */
  Decision decide(long capacity, long maxNodes, long deadlineNanos) {
    if (capacity < problem.lowerBound()) {
      return new Decision(BranchAndBound.Outcome.DOES_NOT_FIT, null);
    }
    long limit = Math.max(64, 2L * problem.size());
    long spent = 0;
    while (spent < maxNodes && System.nanoTime() < deadlineNanos) {
      for (int[] rank : ranks) {
        long allowed = Math.min(limit, maxNodes - spent);
        if (allowed <= 0) {
          break;
        }
        BranchAndBound search = new BranchAndBound(problem, sections, rank, capacity, allowed,
            deadlineNanos);
        BranchAndBound.Outcome outcome = search.run();
        spent += search.nodes();
        if (outcome == BranchAndBound.Outcome.FITS) {
          return new Decision(outcome, search.solution());
        }
        if (outcome == BranchAndBound.Outcome.DOES_NOT_FIT) {
          return new Decision(outcome, null);
        }
        if (System.nanoTime() >= deadlineNanos) {
          break;
        }
      }
      limit = limit >= Long.MAX_VALUE / 2 ? Long.MAX_VALUE : limit * 2;
    }
    return new Decision(BranchAndBound.Outcome.GAVE_UP, null);
  }
}
