package io.planline.cli;

import io.planline.ir.Graph;
import io.planline.plan.Liveness;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.Plan;
import io.planline.plan.PlanDriver;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanningException;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Times one planner on one graph: warm-up runs, then timed runs, each plan verified outside the
 * timed span.
 *
 * <p>Limits let one command time fast and slow planners alike: warm-up stops once it has taken
 * {@code warmupNanos}, timed runs once they have taken {@code runNanos} (at least one runs), and a
 * first run that alone takes {@code warmupNanos} becomes the single timed run, cold, rather than
 * being repeated (a minimising search that spends its whole 60 s budget).
 */
final class PlanTimer {

  /** How many runs, and how long they may take in all. */
  record Limits(int warmup, int runs, long warmupNanos, long runNanos) {

    Limits {
      if (warmup < 0 || runs < 1) {
        throw new IllegalArgumentException(String.format(
            "need warm-up runs >= 0 and timed runs >= 1, not %d and %d", warmup, runs));
      }
    }

    /** Exactly {@code warmup} and {@code runs} runs, however long they take. */
    static Limits counts(int warmup, int runs) {
      return new Limits(warmup, runs, Long.MAX_VALUE, Long.MAX_VALUE);
    }
  }

  private PlanTimer() {}

  /** The row of {@code planner} on {@code graph}, named {@code name} in {@code suite}. */
  static BenchRow time(String suite, String name, Graph graph, MemoryPlanner planner,
      PlanOptions options, Limits limits) {
    var ranges = Liveness.of(graph);
    Row row = new Row(suite, name, planner.name(), ranges.size(), options.capacityBytes(),
        PlanDriver.lowerBound(ranges));
    long warmSpent = 0;
    for (int i = 0; i < limits.warmup() && warmSpent < limits.warmupNanos(); i++) {
      Run r = once(graph, planner, options);
      warmSpent += r.nanos();
      if (r.plan() == null || (i == 0 && r.nanos() >= limits.warmupNanos())) {
        return row.of(new Run[] {r});
      }
    }
    Run[] runs = new Run[limits.runs()];
    int timed = 0;
    long runSpent = 0;
    do {
      Run r = once(graph, planner, options);
      runs[timed++] = r;
      runSpent += r.nanos();
      if (r.plan() == null) {
        break;
      }
    } while (timed < limits.runs() && runSpent < limits.runNanos());
    return row.of(Arrays.copyOf(runs, timed));
  }

  /** One run: its plan (verified) and time, or the planner's refusal. */
  private record Run(@Nullable Plan plan, @Nullable String error, long nanos) {}

  /** Times one plan; the verification after it is not timed. */
  private static Run once(Graph graph, MemoryPlanner planner, PlanOptions options) {
    long t0 = System.nanoTime();
    Plan plan;
    try {
      plan = PlanDriver.unverified(planner, graph, options);
    } catch (PlanningException e) {
      return new Run(null, e.getMessage(), System.nanoTime() - t0);
    }
    long nanos = System.nanoTime() - t0;
    PlanDriver.verify(graph, plan, options);
    return new Run(plan, null, nanos);
  }

  /** What a row says apart from its runs. */
  private record Row(String suite, String name, String planner, int buffers, long capacity,
      long bound) {

    /** The row over {@code runs}: worst ratio, proven only if every run was, times sorted. */
    BenchRow of(Run[] runs) {
      double[] ms = new double[runs.length];
      double worst = 0;
      boolean proven = true;
      long planned = -1;
      @Nullable String error = null;
      for (int i = 0; i < runs.length; i++) {
        Run r = runs[i];
        ms[i] = r.nanos() / 1e6;
        Plan p = r.plan();
        if (p == null) {
          error = r.error();
          continue;
        }
        worst = Math.max(worst, p.ratio());
        proven &= p.provenOptimal();
        planned = Math.max(planned, p.plannedBytes());
      }
      Arrays.sort(ms);
      return new BenchRow(suite, name, planner, buffers, capacity, bound, planned, worst,
          error == null && proven, ms, error);
    }
  }
}
