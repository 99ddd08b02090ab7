package io.planline.plan.offset;

import io.planline.plan.Decision;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.PlanInput;

/**
 * The {@code offset} planner: one pool per device, each storage at a byte offset, chosen by the
 * best of several greedy passes (hole-filling best/first fit and lowest-first skyline, over size,
 * area, lifetime, conflict and load orders), stopping at the first that reaches the lower bound;
 * where none does, a short search bounded by a node count (so results are deterministic) looks
 * for a placement at the bound.
 */
public final class OffsetPlanner implements MemoryPlanner {

  /** Search nodes per buffer allowed after the greedy passes. */
  static final long NODES_PER_BUFFER = 20;
  /** Search nodes always allowed. */
  static final long BASE_NODES = 5_000;
  /** A safety net on the search's wall time, far above what the node budget normally takes. */
  static final long SEARCH_CEILING_MILLIS = 2_000;

  private final long searchCeilingMillis;

  public OffsetPlanner() {
    this(SEARCH_CEILING_MILLIS);
  }

  /**
   * With another wall-time ceiling: tests that pin plans lift it, so that only the node budget
   * bounds the search (on a loaded machine the 2 s ceiling can cut it, and plans then differ).
   */
  OffsetPlanner(long searchCeilingMillis) {
    this.searchCeilingMillis = searchCeilingMillis;
  }

  @Override
  public String name() {
    return "offset";
  }

  @Override
  public String description() {
    return "arena offsets: best of several greedy passes, then a short search toward the bound";
  }

  @Override
  public Decision decide(PlanInput input) {
    long deadline = System.nanoTime() + searchCeilingMillis * 1_000_000;
    return ArenaDriver.decide(input, (device, problem, devices) ->
        OffsetSolver.quick(problem, BASE_NODES + NODES_PER_BUFFER * problem.size(), deadline));
  }
}
