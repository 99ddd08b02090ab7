package io.planline.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.Buffer;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One record per family of plan, and the kind says which. */
final class PlanKindTest {

  private static final Buffer A = Buffer.ofBytes("a", Device.CUDA0, 256);
  private static final Buffer B = Buffer.ofBytes("b", Device.CUDA0, 256);
  private static final Buffer C = Buffer.ofBytes("c", Device.CUDA0, 256);
  /** a is reused in place as b; c takes a's storage's place after b is freed. */
  private static final Graph GRAPH = Graph.of("kinds", List.of(
      new WrapperLine.AllocateLine(A),
      new WrapperLine.KernelCallLine("k", List.of("a"), Device.CUDA0),
      new WrapperLine.ReuseLine(A, B, true),
      new WrapperLine.KernelCallLine("k", List.of("b"), Device.CUDA0),
      WrapperLine.FreeIfNotReusedLine.of(B),
      new WrapperLine.AllocateLine(C),
      new WrapperLine.KernelCallLine("k", List.of("c"), Device.CUDA0),
      WrapperLine.FreeIfNotReusedLine.of(C)), List.of());

  private static final Map<String, Plan.Kind> FAMILY = Map.of(
      "offset", Plan.Kind.OFFSETS, "optimal", Plan.Kind.OFFSETS,
      "inductor-pool", Plan.Kind.OFFSETS, "noop", Plan.Kind.OFFSETS,
      "greedy", Plan.Kind.REUSES, "greedy-peak", Plan.Kind.REUSES);

  @Test
  void plan_everyRegisteredPlanner_hasItsFamilysKindAndRecord() {
    for (MemoryPlanner p : PlannerRegistry.builtIn().all()) {
      Plan plan = p.plan(GRAPH, PlanOptions.DEFAULT);
      assertEquals(FAMILY.get(p.name()), plan.kind(), p.name());
      switch (plan.kind()) {
        case OFFSETS -> assertTrue(plan instanceof Plan.Offsets, p.name());
        case REUSES -> assertTrue(plan instanceof Plan.Reuses, p.name());
      }
    }
  }

  @Test
  void offsetPlan_placementCarriesEveryNameOfItsStorage() {
    Plan.Offsets plan = PlannerRegistry.builtIn().get("offset").plan(GRAPH, PlanOptions.DEFAULT)
        .asOffsets();
    assertEquals(List.of("a", "b"), plan.placements().get(0).names());
    assertEquals(List.of("c"), plan.placements().get(1).names());
  }

  @Test
  void asOffsets_onReusePlan_throwsNamingTheKind() {
    Plan plan = PlannerRegistry.builtIn().get("greedy").plan(GRAPH, PlanOptions.DEFAULT);
    var e = assertThrows(IllegalStateException.class, plan::asOffsets);
    assertTrue(e.getMessage().contains("REUSES"), e.getMessage());
    assertEquals(plan, plan.asReuses());
  }

  @Test
  void verify_placementMissingAName_isRejected() {
    Plan.Offsets good = new NoopPlanner().plan(GRAPH, PlanOptions.DEFAULT).asOffsets();
    Placement first = good.placements().get(0);
    Plan.Offsets bad = new Plan.Offsets(good.planner(), good.source(), good.pools(),
        List.of(new Placement(first.buffer(), first.pool(), first.offset(), first.bytes(),
            first.firstLine(), first.lastLine()), good.placements().get(1)),
        good.lines(), good.plannedBytes(), good.lowerBoundBytes(), good.provenOptimal());
    var e = assertThrows(IllegalStateException.class,
        () -> PlanVerifier.verify(GRAPH, bad, PlanOptions.ALIGN_BYTES));
    assertTrue(e.getMessage().contains("names"), e.getMessage());
  }
}
