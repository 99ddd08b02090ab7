package io.planline.plan.optimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.CsvBufferReader;
import io.planline.ir.Graph;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import io.planline.plan.PlanningException;
import io.planline.testing.Instances;
import io.planline.testing.Shared;
import org.junit.jupiter.api.Test;

final class OptimalPlannerTest {

  private static final PlanOptions UNITS = PlanOptions.DEFAULT.withAlignment(1);

  private final OptimalPlanner planner = new OptimalPlanner();

  private static Graph csv(String name) {
    return CsvBufferReader.read(Shared.minimalloc().resolve(name)).graphs().get(0);
  }

  @Test
  void plan_minimallocExample_isTwelveAndProven() {
    Graph graph = csv("examples/input.12.csv");
    Plan plan = planner.plan(graph, UNITS);
    PlanVerifier.verify(graph, plan, 1);
    assertEquals(12, plan.plannedBytes());
    assertTrue(plan.provenOptimal());
  }

  @Test
  void plan_tinyBudgetOnHardInstance_returnsVerifiedPlanNotProven() {
    Graph graph = csv("challenging/A.1048576.csv");
    Plan plan = planner.plan(graph, UNITS.withBudgetMillis(1));
    PlanVerifier.verify(graph, plan, 1);
    assertTrue(plan.plannedBytes() > plan.lowerBoundBytes());
    assertFalse(plan.provenOptimal());
  }

  @Test
  void plan_capacityAboveTheGreedyHeight_fitsWithin() {
    Graph graph = csv("challenging/A.1048576.csv");
    Plan plan = planner.plan(graph, UNITS.withCapacityBytes(1_300_000));
    PlanVerifier.verify(graph, plan, 1);
    assertTrue(plan.plannedBytes() <= 1_300_000);
  }

  @Test
  void plan_capacityBelowTheLowerBound_isProvenNotToFit() {
    Graph graph = csv("examples/input.12.csv");
    PlanningException e = assertThrows(PlanningException.class,
        () -> planner.plan(graph, UNITS.withCapacityBytes(11)));
    assertTrue(e.getMessage().contains("do not fit"), e.getMessage());
    assertTrue(e.getMessage().contains("proven"), e.getMessage());
  }

  @Test
  void plan_capacityNotReachedInBudget_saysNoneWasFound() {
    Graph graph = csv("challenging/A.1048576.csv");
    PlanningException e = assertThrows(PlanningException.class,
        () -> planner.plan(graph, UNITS.withCapacityBytes(1_048_576).withBudgetMillis(1)));
    assertTrue(e.getMessage().contains("no placement"), e.getMessage());
  }

  @Test
  void plan_capacityOnAlignedGraph_countsBytes() {
    Graph graph = Instances.csv("a,0,2,100", "b,1,3,10", "c,2,4,70");
    Plan plan = planner.plan(graph, PlanOptions.DEFAULT.withCapacityBytes(192));
    PlanVerifier.verify(graph, plan, 64);
    assertEquals(192, plan.plannedBytes());
    assertThrows(PlanningException.class,
        () -> planner.plan(graph, PlanOptions.DEFAULT.withCapacityBytes(191)));
  }
}
