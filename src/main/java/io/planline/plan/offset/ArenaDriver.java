package io.planline.plan.offset;

import io.planline.ir.Device;
import io.planline.plan.Decision;
import io.planline.plan.LiveRange;
import io.planline.plan.Placement;
import io.planline.plan.PlanInput;
import io.planline.plan.Pool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the offset planners share below {@link io.planline.plan.PlanDriver}: live ranges to one
 * {@link OffsetProblem} per device (sizes in units of the alignment, so every offset is aligned),
 * and packings back to a {@link Decision} with one pool per device.
 */
final class ArenaDriver {

  /** Solves one device's problem; {@code devices} is how many devices share the budget. */
  interface Solver {
    Packing solve(Device device, OffsetProblem problem, int devices);
  }

  private ArenaDriver() {}

  /**
   * Solves each device's problem with {@code solver}. The decision is proven optimal when every
   * device's packing is (by its aligned bound or a completed search).
   */
  static Decision decide(PlanInput input, Solver solver) {
    int align = input.options().alignment();
    Map<Device, List<LiveRange>> byDevice = new LinkedHashMap<>();
    for (LiveRange r : input.ranges()) {
      byDevice.computeIfAbsent(r.device(), d -> new ArrayList<>()).add(r);
    }
    List<Pool> pools = new ArrayList<>();
    List<Placement> placements = new ArrayList<>();
    boolean proven = true;
    for (var entry : byDevice.entrySet()) {
      List<LiveRange> rs = entry.getValue();
      Packing packing = solver.solve(entry.getKey(), problem(rs, align), byDevice.size());
      String pool = "pool" + pools.size();
      long bytes = packing.height() * align;
      pools.add(new Pool(pool, entry.getKey(), bytes));
      proven &= packing.provenOptimal();
      for (int i = 0; i < rs.size(); i++) {
        LiveRange r = rs.get(i);
        placements.add(Placement.of(r, pool, packing.offset(i) * align, r.alignedBytes(align)));
      }
    }
    return Decision.offsets(pools, placements, input.graph().lines(), proven);
  }

  /** The problem of {@code ranges}, sizes in units of {@code align} bytes. */
  static OffsetProblem problem(List<LiveRange> ranges, int align) {
    int n = ranges.size();
    long[] sizes = new long[n];
    int[] first = new int[n];
    int[] last = new int[n];
    for (int i = 0; i < n; i++) {
      LiveRange r = ranges.get(i);
      sizes[i] = r.alignedBytes(align) / align;
      first[i] = r.firstLine();
      last[i] = r.lastLine();
    }
    return new OffsetProblem(sizes, first, last);
  }
}
