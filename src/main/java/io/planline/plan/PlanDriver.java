package io.planline.plan;

import io.planline.ir.Graph;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver half of planning (XLA's heap simulator around a heap algorithm): what every strategy
 * used to repeat is done here once, so a strategy is only its decision.
 *
 * <pre>
 *   graph ─▶ Liveness (once) ─▶ strategy.decide ─▶ fallback stage ─▶ + lower bound (once)
 *         ─▶ verify ─▶ log ─▶ Plan
 * </pre>
 *
 * <p>The fallback stage ({@link FallbackStage}) hands the parts a strategy left above their
 * target to the registered {@link Improver} (the {@code offset} portfolio's short exact search);
 * it is part of {@link #unverified}, so a strategy's timing includes it.
 *
 * <p>The lower bound is taken at one alignment for every planner, {@link #BOUND_ALIGNMENT}: raw
 * bytes. It used to depend on the planner (1 for greedy and inductor-pool, the plan's 64 for
 * offset, optimal and noop), so one graph showed two bounds. Raw bytes is the only choice that is
 * a bound for every family: a reuse plan hands whole storages over at their raw sizes and a
 * pool's topmost storage needs no padding, so their plans can be below a 64-aligned figure. An
 * offset plan rounds every size up to its alignment, so on graphs with unaligned sizes it now
 * shows a ratio slightly above 1.0 even where it is optimal at that alignment; its
 * {@link Plan#provenOptimal()} still says so, since the offset strategies prove it in their own
 * aligned units.
 */
public final class PlanDriver {

  /** The alignment of every reported lower bound: raw bytes (see the class comment for why). */
  public static final int BOUND_ALIGNMENT = 1;

  private static final Logger LOG = LoggerFactory.getLogger(PlanDriver.class);

  private PlanDriver() {}

  /**
   * Plans {@code graph} with {@code strategy} and verifies the result.
   *
   * @throws PlanningException when the strategy cannot plan the graph
   * @throws IllegalStateException when the plan fails verification (a planner bug)
   */
  public static Plan plan(MemoryPlanner strategy, Graph graph, PlanOptions options) {
    long start = System.nanoTime();
    List<LiveRange> ranges = Liveness.of(graph);
    FallbackStage.Outcome decided = decide(strategy, graph, ranges, options);
    Plan plan = decided.decision().toPlan(strategy.name(), graph.source(), lowerBound(ranges));
    // A plan that fails verification is a planner bug: it is never printed or executed.
    verify(graph, plan, options);
    if (LOG.isDebugEnabled()) { // the ratio's formatting is not free on the planning path
      LOG.debug("{}: planned with {}: {} bytes, lower bound {} (x{}), {} in {} ms{}",
          plan.source(), plan.planner(), plan.plannedBytes(), plan.lowerBoundBytes(),
          String.format("%.4f", plan.ratio()), plan.provenOptimal() ? "optimal" : "not proven",
          (System.nanoTime() - start) / 1_000_000, decided.parts() == 0 ? ""
              : String.format("; fallback lowered %d of %d parts in %d nodes",
                  decided.lowered(), decided.parts(), decided.nodes()));
    }
    return plan;
  }

  /**
   * The plan before verification, for timing the strategy alone ({@code bench}); pass it to
   * {@link #verify} before use.
   */
  public static Plan unverified(MemoryPlanner strategy, Graph graph, PlanOptions options) {
    List<LiveRange> ranges = Liveness.of(graph);
    Decision d = decide(strategy, graph, ranges, options).decision();
    return d.toPlan(strategy.name(), graph.source(), lowerBound(ranges));
  }

  /** The strategy's decision after the fallback stage. */
  private static FallbackStage.Outcome decide(MemoryPlanner strategy, Graph graph,
      List<LiveRange> ranges, PlanOptions options) {
    return FallbackStage.run(strategy.decide(new PlanInput(graph, ranges, options)));
  }

  /** The lower bound every plan is reported against: peak live bytes, raw. */
  public static long lowerBound(List<LiveRange> ranges) {
    return LowerBound.of(ranges, BOUND_ALIGNMENT);
  }

  /**
   * Verifies {@code plan} against {@code graph}; offsets are checked at {@code options}' alignment.
   *
   * @throws IllegalStateException describing the first violation found
   */
  public static void verify(Graph graph, Plan plan, PlanOptions options) {
    PlanVerifier.verify(graph, plan, options.alignment());
  }
}
