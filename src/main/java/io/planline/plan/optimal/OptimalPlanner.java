package io.planline.plan.optimal;

import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.plan.Decision;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.PlanInput;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanningException;
import io.planline.plan.SearchProgress;
import io.planline.plan.arena.ArenaDriver;

/**
 * The {@code optimal} planner: an anytime exact search for the lowest pool per device.
 *
 * <p>It starts from the best greedy placement, stops at once when that reaches the lower bound,
 * and otherwise runs two exact searches on two threads ({@link ExactSearch}: branch and bound
 * over canonical placements and a fail-first cover search) until it proves optimality or
 * {@link PlanOptions#budgetMillis()} ends (shared between devices); the plan is marked proven
 * optimal only when backed by the bound or by a completed search. While it minimises, it tells
 * {@link PlanOptions#progress()} where it stands.
 *
 * <p>With {@link PlanOptions#capacityBytes()} set it answers the decision question instead: each
 * device's pool must fit in that many bytes; it returns a placement that does, or throws a
 * {@link PlanningException} saying that none exists (proven) or that none was found in the budget.
 * Results are deterministic for a given input unless the budget cuts a search short.
 */
public final class OptimalPlanner implements MemoryPlanner {

  @Override
  public String name() {
    return "optimal";
  }

  @Override
  public String description() {
    return "arena offsets by exact search (branch and bound, cover search): minimum pool within"
        + " the time budget";
  }

  @Override
  public Decision decide(PlanInput input) {
    Graph graph = input.graph();
    PlanOptions options = input.options();
    long start = System.nanoTime();
    long budget = options.budgetMillis() * 1_000_000;
    long capacityUnits = options.capacityBytes() / options.alignment();
    int[] done = {0};
    return ArenaDriver.decide(input, (device, problem, devices) -> {
      long now = System.nanoTime();
      long left = Math.max(0, start + budget - now);
      long deadline = now + left / Math.max(1, devices - done[0]++);
      if (options.capacityBytes() == 0) {
        return ExactSolver.minimize(problem, deadline, progress(input, device, start));
      }
      ExactSolver.FitResult r = ExactSolver.fit(problem, capacityUnits, deadline);
      return switch (r.fit()) {
        case FITS -> r.packing();
        case DOES_NOT_FIT -> throw new PlanningException(String.format(
            "%s: the buffers on %s do not fit in %d bytes (proven; lower bound %d bytes)",
            graph.source(), device, options.capacityBytes(),
            problem.lowerBound() * options.alignment()));
        case UNKNOWN -> throw new PlanningException(String.format(
            "%s: no placement of the buffers on %s within %d bytes found in %d ms"
                + " (lower bound %d bytes); a larger budget may find one",
            graph.source(), device, options.capacityBytes(), options.budgetMillis(),
            problem.lowerBound() * options.alignment()));
      };
    });
  }

  /** The engine's progress, in bytes and time since {@code start}, for the options' listener. */
  private static ExactSolver.Progress progress(PlanInput input, Device device, long start) {
    SearchProgress listener = input.options().progress();
    if (listener == SearchProgress.NONE) {
      return ExactSolver.Progress.NONE;
    }
    int align = input.options().alignment();
    String source = input.graph().source();
    return (best, floor) -> listener.update(new SearchProgress.Snapshot(source,
        device.toString(), best * align, floor * align, (System.nanoTime() - start) / 1_000_000));
  }
}
