package io.planline.plan.offset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.CsvBufferReader;
import io.planline.ir.Graph;
import io.planline.plan.Decision;
import io.planline.plan.FallbackStage;
import io.planline.plan.Improver;
import io.planline.plan.Liveness;
import io.planline.plan.PlanDriver;
import io.planline.plan.PlanInput;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import io.planline.plan.Refinement;
import io.planline.plan.arena.Effort;
import io.planline.plan.arena.GreedyPortfolio;
import io.planline.testing.Instances;
import io.planline.testing.Shared;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * What the {@code offset} planner runs, counted in passes and search nodes rather than timed, so
 * that a slow path coming back fails here on any machine (issue 16: the exact search ran on
 * resnet50.csv although a greedy pass reaches its bound, 18 ms became ~200 ms); and how its
 * open parts go through the driver's fallback stage (issue 14).
 */
final class OffsetFallbackTest {

  private static final PlanOptions UNITS = PlanOptions.DEFAULT.withAlignment(
      CsvBufferReader.ALIGNMENT);

  private static PlanInput csv(String name) {
    Graph g = CsvBufferReader.read(Shared.minimalloc().resolve(name)).graphs().get(0);
    return new PlanInput(g, Liveness.of(g), UNITS);
  }

  @Test
  void decide_portfolioReachesTheBound_leavesNothingOpen() {
    PlanInput input = csv("idealloc/somas_tensors/resnet50.csv");
    Effort effort = new Effort();
    Decision d = new OffsetPlanner().decide(input, effort);
    assertNull(d.open(), "a part was left to the search although the portfolio met the bound");
    assertTrue(d.provenOptimal());
    // One component (three buffers overlapping all others are stacked below it); the portfolio
    // stops at skyline by total area, the pass that reaches the bound on it.
    List<String> names = GreedyPortfolio.passes(input.ranges().size()).stream()
        .map(GreedyPortfolio.Pass::name).toList();
    assertEquals(names.indexOf("skyline/TOTAL_AREA") + 1, effort.greedyPasses(),
        names.toString());
  }

  @Test
  void decide_portfolioShortOfTheBound_leavesThePartToTheFallbackStage() {
    // MiniMalloc's challenging A: every greedy pass is 12% or more above the bound.
    PlanInput input = csv("challenging/A.1048576.csv");
    Effort effort = new Effort();
    Decision d = new OffsetPlanner().decide(input, effort);
    Refinement open = d.open();
    assertNotNull(open);
    assertEquals(GreedyPortfolio.passes(open.parts().get(0).problem().size()).size(),
        effort.greedyPasses());
    for (Improver.Part part : open.parts()) {
      assertTrue(part.problem().height(part.incumbent()) > part.target());
      assertTrue(Instances.isValid(part.problem(), part.incumbent()));
    }

    FallbackStage.Outcome out = FallbackStage.run(d);
    assertTrue(out.nodes() > 0, "the registered exact engine did not search");
    assertNull(out.decision().open());
    assertTrue(out.decision().plannedBytes() <= d.plannedBytes());
  }

  @Test
  void plan_withoutAnImprover_keepsThePortfolioPlacement() {
    PlanInput input = csv("challenging/A.1048576.csv");
    Decision d = new OffsetPlanner().decide(input);
    FallbackStage.Outcome out = FallbackStage.run(d, java.util.Optional.empty());
    assertEquals(d.placements(), out.decision().placements());
    assertEquals(0, out.lowered());
    assertFalse(out.decision().provenOptimal());
  }

  /** The stage only ever lowers a plan, and the rebuilt plan is still a valid one. */
  @Property(tries = 60)
  void fallback_neverRaisesThePlan(
      @ForAll @Size(min = 2, max = 24) List<@IntRange(min = 1, max = 9) Integer> sizes,
      @ForAll @Size(min = 2, max = 24) List<@IntRange(min = 0, max = 12) Integer> starts,
      @ForAll @Size(min = 2, max = 24) List<@IntRange(min = 1, max = 6) Integer> lengths) {
    int n = Math.min(sizes.size(), Math.min(starts.size(), lengths.size()));
    String[] rows = new String[n];
    for (int i = 0; i < n; i++) {
      rows[i] = "b" + i + "," + starts.get(i) + "," + (starts.get(i) + lengths.get(i)) + ","
          + sizes.get(i);
    }
    Graph g = Instances.csv(rows);
    PlanInput input = new PlanInput(g, Liveness.of(g), UNITS);
    Decision d = new OffsetPlanner().decide(input);
    FallbackStage.Outcome out = FallbackStage.run(d);
    assertTrue(out.decision().plannedBytes() <= d.plannedBytes());
    PlanVerifier.verify(g, PlanDriver.plan(new OffsetPlanner(), g, UNITS),
        CsvBufferReader.ALIGNMENT);
  }
}
