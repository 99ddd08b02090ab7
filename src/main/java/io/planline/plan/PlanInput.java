package io.planline.plan;

import static java.util.Objects.requireNonNull;

import io.planline.ir.Graph;
import java.util.List;

/**
 * What {@link PlanDriver} hands a strategy: the graph, its storages' live ranges (computed once,
 * by {@link Liveness}), and the options.
 *
 * @param graph the graph to plan
 * @param ranges {@code Liveness.of(graph)}, in allocation order
 * @param options the knobs the strategy may use
 */
public record PlanInput(Graph graph, List<LiveRange> ranges, PlanOptions options) {

  public PlanInput {
    requireNonNull(graph, "graph");
    requireNonNull(options, "options");
    ranges = List.copyOf(ranges);
  }
}
