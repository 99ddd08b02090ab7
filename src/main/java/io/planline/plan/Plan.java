package io.planline.plan;

import static java.util.Objects.requireNonNull;

import io.planline.ir.WrapperLine;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a planner decided for one graph.
 *
 * <p>Offset planners fill {@code pools} and {@code placements}; reuse planners fill {@code reuses}
 * and the rewritten {@code lines}. Both report {@code plannedBytes} (offset planners: the sum of
 * pool sizes; reuse planners: the peak of distinct storages live at once) next to
 * {@code lowerBoundBytes}, so no figure is ever shown without the bound.
 *
 * @param planner the strategy's registry name
 * @param source the graph's source ({@code file#index})
 * @param pools arenas, for offset plans
 * @param placements one per planned storage, for offset plans
 * @param reuses new buffer name to the freed buffer whose storage it took, in line order
 * @param lines the rewritten wrapper lines (the input lines for pure offset plans)
 * @param plannedBytes memory the plan needs
 * @param lowerBoundBytes the lower bound it is measured against
 * @param provenOptimal whether {@code plannedBytes} is proven minimal (equal to the bound, or by a
 *     completed search)
 */
public record Plan(
    String planner,
    String source,
    List<Pool> pools,
    List<Placement> placements,
    Map<String, String> reuses,
    List<WrapperLine> lines,
    long plannedBytes,
    long lowerBoundBytes,
    boolean provenOptimal) {

  public Plan {
    requireNonNull(planner, "planner");
    requireNonNull(source, "source");
    pools = List.copyOf(pools);
    placements = List.copyOf(placements);
    reuses = Collections.unmodifiableMap(new LinkedHashMap<>(reuses));
    lines = List.copyOf(lines);
    if (plannedBytes < 0 || lowerBoundBytes < 0) {
      throw new IllegalArgumentException("negative byte count in plan by " + planner);
    }
  }

  /** Planned bytes over the lower bound (1.0 is perfect; 1.0 when both are zero). */
  public double ratio() {
    return lowerBoundBytes == 0 ? 1.0 : (double) plannedBytes / lowerBoundBytes;
  }
}
