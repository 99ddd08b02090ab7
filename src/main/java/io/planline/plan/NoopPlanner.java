package io.planline.plan;

import io.planline.ir.Device;
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
  public Decision decide(PlanInput in) {
    int align = in.options().alignment();
    Map<Device, Pool> pools = new LinkedHashMap<>();
    List<Placement> placements = new ArrayList<>();
    for (LiveRange r : in.ranges()) {
      Pool pool = pools.computeIfAbsent(r.device(), d -> new Pool("pool" + pools.size(), d, 0));
      long size = r.alignedBytes(align);
      placements.add(Placement.of(r, pool.name(), pool.bytes(), size));
      pools.put(r.device(), new Pool(pool.name(), r.device(), pool.bytes() + size));
    }
    return Decision.offsets(List.copyOf(pools.values()), placements, in.graph().lines(), false);
  }
}
