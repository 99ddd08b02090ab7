package io.planline.plan.offset;

import io.planline.plan.Decision;
import io.planline.plan.Improver;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.OffsetProblem;
import io.planline.plan.PlanInput;
import io.planline.plan.Refinement;
import io.planline.plan.arena.ArenaDriver;
import io.planline.plan.arena.ArenaDriver.DeviceProblem;
import io.planline.plan.arena.Effort;
import io.planline.plan.arena.GreedyPortfolio;
import io.planline.plan.arena.Packing;
import io.planline.plan.arena.Sections;
import io.planline.plan.arena.TimeSplit;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code offset} planner: one pool per device, each storage at a byte offset. Each device's
 * problem is split into independent time sections ({@link TimeSplit}); each section gets the
 * best of several greedy passes ({@link GreedyPortfolio}: hole-filling best/first fit and
 * lowest-first skyline, over size, area, lifetime, conflict and load orders), stopping at the
 * first that reaches its share of the lower bound.
 *
 * <p>Sections left above it are not searched here: they go back with the decision as open parts
 * ({@link Refinement}), and the driver's fallback stage asks the registered
 * {@link Improver} (the exact engine) for a placement at the bound, with a search bounded by a
 * node count so that results are deterministic, and this planner's placements where it finds
 * none.
 */
public final class OffsetPlanner implements MemoryPlanner {

  /** Search nodes per buffer of the device's problem allowed for each open section. */
  static final long NODES_PER_BUFFER = 20;
  /** Search nodes always allowed. */
  static final long BASE_NODES = 5_000;
  /**
   * A safety net on the search's wall time, far above what the node budget takes, so that the
   * node budget alone decides the plan: MiniMalloc's challenging E needs 0.7-1.3 s of search on
   * the 2-core build machine when it is quiet, and a 2 s ceiling cut it under load (1,208,320
   * bytes instead of 1,195,008). A shape is planned once and cached, off the event loops.
   */
  static final long SEARCH_CEILING_MILLIS = 10_000;

  private final long searchCeilingMillis;

  public OffsetPlanner() {
    this(SEARCH_CEILING_MILLIS);
  }

  /**
   * With another wall-time ceiling: tests that pin plans lift it further, so that only the node
   * budget bounds the search however loaded the machine is.
   */
  OffsetPlanner(long searchCeilingMillis) {
    this.searchCeilingMillis = searchCeilingMillis;
  }

  @Override
  public String name() {
    return "offset";
  }

  @Override
  public String description() {
    return "arena offsets: best of several greedy passes, then a short search toward the bound";
  }

  @Override
  public Decision decide(PlanInput input) {
    return decide(input, new Effort());
  }

  /** As {@link #decide(PlanInput)}, counting the greedy passes run in {@code effort}. */
  Decision decide(PlanInput input, Effort effort) {
    // The ceiling counts from here, so that the portfolio and the fallback share one limit.
    long deadline = System.nanoTime() + searchCeilingMillis * 1_000_000;
    List<DeviceProblem> devices = ArenaDriver.problems(input);
    List<Split> splits = new ArrayList<>(devices.size());
    List<Improver.Part> open = new ArrayList<>();
    List<Slot> openSlots = new ArrayList<>();
    for (int d = 0; d < devices.size(); d++) {
      OffsetProblem problem = devices.get(d).problem();
      TimeSplit split = TimeSplit.of(problem);
      long bound = problem.lowerBound();
      long nodes = BASE_NODES + NODES_PER_BUFFER * problem.size();
      List<long[]> parts = new ArrayList<>();
      for (TimeSplit.Component c : split.components()) {
        // A section on a high base only has to reach what the whole bound leaves above it.
        long target = Math.max(c.problem().lowerBound(), bound - c.base());
        Packing best = GreedyPortfolio.best(c.problem(), new Sections(c.problem()), target,
            effort);
        if (best.height() > target) {
          open.add(new Improver.Part(c.problem(), best.offsets(), target, nodes));
          openSlots.add(new Slot(d, parts.size()));
        }
        parts.add(best.offsets());
      }
      splits.add(new Split(split, parts));
    }
    Decision decision = assemble(input, devices, splits);
    if (open.isEmpty()) {
      return decision;
    }
    return decision.withOpen(new Refinement(open, deadline, found -> {
      List<Split> improved = new ArrayList<>(splits.size());
      for (Split s : splits) {
        improved.add(new Split(s.split(), new ArrayList<>(s.parts())));
      }
      for (int k = 0; k < found.size(); k++) {
        Slot slot = openSlots.get(k);
        improved.get(slot.device()).parts().set(slot.component(), found.get(k));
      }
      return assemble(input, devices, improved);
    }));
  }

  /** One device's sections and a placement of each. */
  private record Split(TimeSplit split, List<long[]> parts) {}

  /** Where an open part sits: device, then section. */
  private record Slot(int device, int component) {}

  private static Decision assemble(PlanInput input, List<DeviceProblem> devices,
      List<Split> splits) {
    List<Packing> packings = new ArrayList<>(devices.size());
    for (int d = 0; d < devices.size(); d++) {
      OffsetProblem problem = devices.get(d).problem();
      long[] offsets = splits.get(d).split().assemble(splits.get(d).parts());
      // Proven only by the device's own bound: the portfolio and a node-bounded search prove
      // nothing else.
      packings.add(new Packing(problem, offsets, problem.height(offsets) == problem.lowerBound()));
    }
    return ArenaDriver.decision(input, devices, packings);
  }
}
