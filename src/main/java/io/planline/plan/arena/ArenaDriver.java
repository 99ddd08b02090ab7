package io.planline.plan.arena;

import io.planline.ir.Device;
import io.planline.plan.Decision;
import io.planline.plan.LiveRange;
import io.planline.plan.OffsetProblem;
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
public final class ArenaDriver {

  /** Solves one device's problem; {@code devices} is how many devices share the budget. */
  public interface Solver {
    Packing solve(Device device, OffsetProblem problem, int devices);
  }

  /** One device's storages and their problem (buffer {@code i} is {@code ranges.get(i)}). */
  public record DeviceProblem(Device device, List<LiveRange> ranges, OffsetProblem problem) {}

  private ArenaDriver() {}

  /**
   * Solves each device's problem with {@code solver}. The decision is proven optimal when every
   * device's packing is (by its aligned bound or a completed search).
   */
  public static Decision decide(PlanInput input, Solver solver) {
    List<DeviceProblem> devices = problems(input);
    List<Packing> packings = new ArrayList<>(devices.size());
    for (DeviceProblem d : devices) {
      packings.add(solver.solve(d.device(), d.problem(), devices.size()));
    }
    return decision(input, devices, packings);
  }

  /** One problem per device, in the order the devices first appear among the ranges. */
  public static List<DeviceProblem> problems(PlanInput input) {
    int align = input.options().alignment();
    Map<Device, List<LiveRange>> byDevice = new LinkedHashMap<>();
    for (LiveRange r : input.ranges()) {
      byDevice.computeIfAbsent(r.device(), d -> new ArrayList<>()).add(r);
    }
    List<DeviceProblem> problems = new ArrayList<>(byDevice.size());
    for (var entry : byDevice.entrySet()) {
      List<LiveRange> rs = List.copyOf(entry.getValue());
      problems.add(new DeviceProblem(entry.getKey(), rs, problem(rs, align)));
    }
    return problems;
  }

  /** The decision placing device {@code k}'s storages at {@code packings.get(k)}, one pool each. */
  public static Decision decision(PlanInput input, List<DeviceProblem> devices,
      List<Packing> packings) {
    int align = input.options().alignment();
    List<Pool> pools = new ArrayList<>();
    List<Placement> placements = new ArrayList<>();
    boolean proven = true;
    for (int k = 0; k < devices.size(); k++) {
      DeviceProblem d = devices.get(k);
      Packing packing = packings.get(k);
      String pool = "pool" + pools.size();
      pools.add(new Pool(pool, d.device(), packing.height() * align));
      proven &= packing.provenOptimal();
      for (int i = 0; i < d.ranges().size(); i++) {
        LiveRange r = d.ranges().get(i);
        placements.add(Placement.of(r, pool, packing.offset(i) * align, r.alignedBytes(align)));
      }
    }
    return Decision.offsets(pools, placements, input.graph().lines(), proven);
  }

  /** The problem of {@code ranges}, sizes in units of {@code align} bytes. */
  public static OffsetProblem problem(List<LiveRange> ranges, int align) {
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
