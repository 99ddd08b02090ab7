package io.planline.plan;

import io.planline.ir.Device;
import io.planline.ir.Graph;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The escape hatch: every storage gets its own bytes, laid end to end in one pool per device, with
 * no sharing at all (tinygrad's {@code NO_MEMORY_PLANNER}). Its figure is what planning saves from.
 */
public final class NoopPlanner implements MemoryPlanner {

  @Override
  public String name() {
    return "noop";
  }

  @Override
  public String description() {
    return "no reuse: every buffer gets its own bytes (the baseline planning saves from)";
  }

  @Override
  public Plan plan(Graph graph, PlanOptions options) {
    List<LiveRange> ranges = Liveness.of(graph);
    Map<Device, Long> tops = new LinkedHashMap<>();
    Map<Device, String> poolNames = new LinkedHashMap<>();
    List<Placement> placements = new ArrayList<>();
    for (LiveRange r : ranges) {
      String pool = poolNames.computeIfAbsent(r.device(), d -> "pool" + poolNames.size());
      long top = tops.getOrDefault(r.device(), 0L);
      long size = r.alignedBytes(options.alignment());
      placements.add(new Placement(r.name(), pool, top, size, r.firstLine(), r.lastLine()));
      tops.put(r.device(), top + size);
    }
    List<Pool> pools = new ArrayList<>();
    long total = 0;
    for (var e : poolNames.entrySet()) {
      long bytes = tops.get(e.getKey());
      pools.add(new Pool(e.getValue(), e.getKey(), bytes));
      total += bytes;
    }
    long bound = LowerBound.of(ranges, options.alignment());
    return new Plan(name(), graph.source(), pools, placements, Map.of(), graph.lines(), total,
        bound, total == bound);
  }
}
