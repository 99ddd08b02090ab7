package io.planline.plan.pool;

import static java.util.Objects.requireNonNull;

import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.ir.WrapperLine.AllocFromPoolLine;
import io.planline.plan.LiveRange;
import io.planline.plan.Liveness;
import io.planline.plan.Placement;
import io.planline.plan.Plan;
import io.planline.plan.PlanDriver;
import io.planline.plan.PlanOptions;
import io.planline.plan.Pool;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The plan a compiled module already carries: Inductor's own pools and offsets, kept as a
 * {@link Plan} (planner name {@value #NAME}) so that it can be verified and compared with other
 * planners.
 *
 * <p>Only graphs read from output code that allocates from pools have one (see
 * {@link io.planline.io.OutputCodeReader}); it is not a registry planner, since it decides nothing.
 * Pools are the module's own ({@link Graph#pools()}); each pool allocation becomes a placement at
 * its printed offset for its live range. A storage the module allocates on its own
 * ({@code empty_strided}) next to the pools gets a pool of its own, named after it, so that every
 * planned storage is placed.
 */
public final class AsCompiledPlan {

  /** The planner name the plan carries. */
  public static final String NAME = "as-compiled";

  private AsCompiledPlan() {}

  /**
   * The module's own plan for {@code graph}, verified against nothing yet; empty when the graph
   * allocates from no pool, or when an offset is not a number (a dynamic-shape module).
   */
  public static Optional<Plan.Offsets> of(Graph graph) {
    requireNonNull(graph, "graph");
    if (graph.pools().isEmpty()) {
      return Optional.empty();
    }
    Map<String, AllocFromPoolLine> slots = new HashMap<>();
    Map<String, Device> poolDevices = new HashMap<>();
    for (WrapperLine l : graph.lines()) {
      if (l instanceof AllocFromPoolLine a && a.node() != null && a.pool() != null) {
        if (a.offset() < 0) {
          return Optional.empty();
        }
        slots.put(a.node().name(), a);
        poolDevices.putIfAbsent(a.pool(), a.node().device());
      }
    }
    List<LiveRange> ranges = Liveness.of(graph);
    Device fallback = ranges.isEmpty() ? Device.CPU : ranges.get(0).device();
    Map<String, Pool> pools = new LinkedHashMap<>();
    graph.pools().forEach((name, bytes) ->
        pools.put(name, new Pool(name, poolDevices.getOrDefault(name, fallback), bytes)));
    int alignment = PlanOptions.ALIGN_BYTES;
    List<Placement> placements = new ArrayList<>(ranges.size());
    for (LiveRange r : ranges) {
      AllocFromPoolLine slot = slots.get(r.name());
      String poolName = slot == null ? r.name() : slot.pool();
      long offset = slot == null ? 0 : slot.offset();
      if (slot == null) {
        // allocated by the module on its own: as compiled, it is its own pool
        pools.put(poolName, new Pool(poolName, r.device(), r.bytes()));
      }
      long poolBytes = pools.get(poolName).bytes();
      long reserved = Math.min(r.alignedBytes(alignment), poolBytes - offset);
      placements.add(Placement.of(r, poolName, offset, reserved));
    }
    long total = pools.values().stream().mapToLong(Pool::bytes).sum();
    long bound = PlanDriver.lowerBound(ranges);
    return Optional.of(new Plan.Offsets(NAME, graph.source(), List.copyOf(pools.values()),
        placements, graph.lines(), total, bound, total == bound));
  }
}
