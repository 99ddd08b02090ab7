package io.planline.plan.offset;

import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.plan.LiveRange;
import io.planline.plan.Liveness;
import io.planline.plan.LowerBound;
import io.planline.plan.Placement;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.Pool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The driver half shared by the offset planners: graph to one {@link OffsetProblem} per device
 * (sizes in units of the alignment, so every offset is aligned), and packings back to a
 * {@link Plan} with one pool per device.
 */
final class ArenaDriver {

  /** Solves one device's problem; {@code devices} is how many devices share the budget. */
  interface Solver {
    Packing solve(Device device, OffsetProblem problem, int devices);
  }

  private ArenaDriver() {}

  /** Plans {@code graph} by solving each device's problem with {@code solver}. */
  static Plan plan(String planner, Graph graph, PlanOptions options, Solver solver) {
    int align = options.alignment();
    List<LiveRange> ranges = Liveness.of(graph);
    Map<Device, List<LiveRange>> byDevice = new LinkedHashMap<>();
    for (LiveRange r : ranges) {
      byDevice.computeIfAbsent(r.device(), d -> new ArrayList<>()).add(r);
    }
    List<Pool> pools = new ArrayList<>();
    List<Placement> placements = new ArrayList<>();
    long planned = 0;
    boolean proven = true;
    for (var entry : byDevice.entrySet()) {
      List<LiveRange> rs = entry.getValue();
      Packing packing = solver.solve(entry.getKey(), problem(rs, align), byDevice.size());
      String pool = "pool" + pools.size();
      long bytes = packing.height() * align;
      pools.add(new Pool(pool, entry.getKey(), bytes));
      planned += bytes;
      proven &= packing.provenOptimal();
      for (int i = 0; i < rs.size(); i++) {
        LiveRange r = rs.get(i);
        placements.add(new Placement(r.name(), pool, packing.offset(i) * align,
            r.alignedBytes(align), r.firstLine(), r.lastLine()));
      }
    }
    long bound = LowerBound.of(ranges, align);
    return new Plan(planner, graph.source(), pools, placements, Map.of(), graph.lines(), planned,
        bound, proven || planned == bound);
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
