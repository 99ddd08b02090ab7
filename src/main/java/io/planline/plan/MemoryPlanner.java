package io.planline.plan;

import io.planline.ir.Graph;

/**
 * A memory-planning strategy: a pure function from a graph to a {@link Plan}.
 *
 * <p>Implementations do no I/O, keep no state between calls and never modify their input, so one
 * instance serves every thread. Each is one {@code final} class registered in
 * {@link PlannerRegistry} under its {@link #name()}.
 */
public interface MemoryPlanner {

  /** The registry name users select it by ({@code greedy}, {@code offset}). */
  String name();

  /** One line for {@code --help} and the docs. */
  String description();

  /**
   * Plans {@code graph}.
   *
   * <p>Requires: {@code graph} came from a reader (its lines are well formed).
   *
   * @throws PlanningException when the graph cannot be planned by this strategy (for example a
   *     capacity that no placement meets); never for a bug, which is an unchecked exception
   */
  Plan plan(Graph graph, PlanOptions options);
}
