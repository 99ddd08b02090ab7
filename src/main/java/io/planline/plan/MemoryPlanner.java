package io.planline.plan;

import io.planline.ir.Graph;

/**
 * A memory-planning strategy: a pure function from a graph's live ranges to a {@link Decision}.
 *
 * <p>Implementations do no I/O, keep no state between calls and never modify their input, so one
 * instance serves every thread. Each is one {@code final} class registered in
 * {@link PlannerRegistry} under its {@link #name()}. Liveness, the lower bound, verification and
 * logging are {@link PlanDriver}'s, which {@link #plan} runs.
 */
public interface MemoryPlanner {

  /** The registry name users select it by ({@code greedy}, {@code offset}). */
  String name();

  /** One line for {@code --help} and the docs. */
  String description();

  /**
   * The strategy's decision for {@code input}.
   *
   * <p>Requires: {@code input.graph()} came from a reader (its lines are well formed).
   *
   * @throws PlanningException when the graph cannot be planned by this strategy (for example a
   *     capacity that no placement meets); never for a bug, which is an unchecked exception
   */
  Decision decide(PlanInput input);

  /**
   * Plans {@code graph} through {@link PlanDriver}: the returned plan is verified. Strategies do
   * not override it.
   *
   * @throws PlanningException as {@link #decide}
   */
  default Plan plan(Graph graph, PlanOptions options) {
    return PlanDriver.plan(this, graph, options);
  }
}
