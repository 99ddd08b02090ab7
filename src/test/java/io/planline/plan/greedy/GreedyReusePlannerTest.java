package io.planline.plan.greedy;

import static io.planline.plan.greedy.Programs.alloc;
import static io.planline.plan.greedy.Programs.buf;
import static io.planline.plan.greedy.Programs.call;
import static io.planline.plan.greedy.Programs.free;
import static io.planline.plan.greedy.Programs.graph;
import static io.planline.plan.greedy.Programs.reuse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.Buffer;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.ir.WrapperLine.FreeIfNotReusedLine;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import io.planline.plan.PlannerRegistry;
import io.planline.plan.PlanningException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One test per rule of the seed's {@code memory_plan_reuse}, on hand-built graphs. */
final class GreedyReusePlannerTest {

  private static final Buffer A = buf("a");
  private static final Buffer B = buf("b");
  private static final Buffer C = buf("c");
  private static final Buffer D = buf("d");

  private static Plan plan(Graph g) {
    Plan p = new GreedyReusePlanner().plan(g, PlanOptions.DEFAULT);
    PlanVerifier.verify(g, p, PlanOptions.ALIGN_BYTES);
    return p;
  }

  @Test
  void plan_sameKeyFreedEarlier_takesItAndMarksTheFree() {
    Plan p = plan(graph(List.of(alloc(A), call("a"), free(A), alloc(B), call("b")), List.of("b")));
    assertEquals(Map.of("b", "a"), p.asReuses().reuses());
    assertEquals(new FreeIfNotReusedLine(A, true, false, false), p.lines().get(2));
    assertEquals(reuse(A, B), p.lines().get(3));
  }

  @Test
  void plan_twoFreedOfOneKey_takesTheMostRecentlyFreedFirst() {
    Plan p = plan(graph(List.of(alloc(A), alloc(B), call("a", "b"), free(A), free(B), alloc(C),
        alloc(D), call("c", "d")), List.of("c", "d")));
    assertEquals(List.of(Map.entry("c", "b"), Map.entry("d", "a")),
        List.copyOf(p.asReuses().reuses().entrySet()));
  }

  @Test
  void plan_keysDifferingInOnePart_neverShareAStorage() {
    Buffer sameBytesOtherExpr = buf("e", "16*16", DType.FLOAT32, true, Device.CUDA0, 1024);
    Buffer otherDtype = buf("f", "256", DType.INT32, true, Device.CUDA0, 1024);
    Buffer unaligned = buf("g", "256", DType.FLOAT32, false, Device.CUDA0, 1024);
    Buffer otherDevice = buf("h", "256", DType.FLOAT32, true, new Device("cuda", 1), 1024);
    for (Buffer other : List.of(sameBytesOtherExpr, otherDtype, unaligned, otherDevice)) {
      Plan p = plan(graph(List.of(alloc(A), call("a"), free(A), alloc(other), call(other.name())),
          List.of(other.name())));
      assertEquals(Map.of(), p.asReuses().reuses(), other.toString());
    }
  }

  @Test
  void plan_trailingMemoryLines_poppedUpToTheLastOutputOne() {
    List<WrapperLine> lines = List.of(alloc(A), alloc(B), alloc(C), call("a", "b", "c"), free(A),
        free(B), new WrapperLine.NullLine(), free(C));
    Plan p = plan(graph(lines, List.of("b")));
    // free(c) and the NullLine go; free(b) names an output and stops the popping
    assertEquals(lines.subList(0, 6), p.lines());
  }

  @Test
  void plan_prunedFree_neverEntersThePool() {
    Plan p = plan(graph(List.of(alloc(A), call("a"), free(A)), List.of()));
    assertEquals(List.of(alloc(A), call("a")), p.lines());
  }

  @Test
  void plan_subgraphScope_hasItsOwnPoolDroppedAtExit() {
    List<WrapperLine> lines = List.of(alloc(A), call("a"), free(A),
        new WrapperLine.EnterSubgraphLine("body"), alloc(B), call("b"), free(B),
        new WrapperLine.ExitSubgraphLine(), alloc(C), call("c"));
    Plan p = plan(graph(lines, List.of("c")));
    // b cannot see a (outer pool); c cannot see b (its pool is gone) but sees a
    assertEquals(Map.of("c", "a"), p.asReuses().reuses());
  }

  @Test
  void plan_unbalancedSubgraphLines_areRejected() {
    Graph exitOnly = graph(List.of(new WrapperLine.ExitSubgraphLine(), call()), List.of());
    Graph enterOnly = graph(List.of(new WrapperLine.EnterSubgraphLine("s"), call()), List.of());
    var planner = new GreedyReusePlanner();
    assertThrows(PlanningException.class, () -> planner.plan(exitOnly, PlanOptions.DEFAULT));
    assertThrows(PlanningException.class, () -> planner.plan(enterOnly, PlanOptions.DEFAULT));
  }

  @Test
  void plan_freeAliasingAnOutputOrMultiOutput_isKeptAndNeverPooled() {
    for (var flagged : List.of(new FreeIfNotReusedLine(A, false, true, false),
        new FreeIfNotReusedLine(A, false, false, true))) {
      Plan p = plan(graph(List.of(alloc(A), call("a"), flagged, alloc(B), call("b")),
          List.of("b")));
      assertEquals(Map.of(), p.asReuses().reuses());
      assertEquals(flagged, p.lines().get(2));
    }
  }

  @Test
  void plan_removedBuffer_itsAllocFreeAndReuseBecomeNullLines() {
    List<WrapperLine> lines = List.of(alloc(A), call("a"), reuse(A, D), free(D), alloc(B),
        call("b"));
    Plan p = plan(graph(lines, List.of("b"), Set.of("a", "d"), List.of()));
    WrapperLine nul = new WrapperLine.NullLine();
    assertEquals(List.of(nul, call("a"), nul, nul, alloc(B), call("b")), p.lines());
    assertEquals(Map.of(), p.asReuses().reuses(),
        "a removed buffer's free must not enter the pool");
  }

  @Test
  void plan_scheduledInPlaceReuse_isKeptAndNotReported() {
    List<WrapperLine> lines = List.of(alloc(A), call("a"), reuse(A, B), call("b"), free(B),
        alloc(C), call("c"));
    Plan p = plan(graph(lines, List.of("c")));
    assertEquals(reuse(A, B), p.lines().get(2));
    assertEquals(Map.of("c", "b"), p.asReuses().reuses());
  }

  @Test
  void plan_reuseAcrossALargerBuffer_holdsTheStorageAboveTheLowerBound() {
    Buffer big = buf("big", 1024);
    Plan p = plan(graph(List.of(alloc(A), call("a"), free(A), alloc(big), call("big"), free(big),
        alloc(B), call("b")), List.of("b")));
    assertEquals(Map.of("b", "a"), p.asReuses().reuses());
    assertEquals(4096, p.lowerBoundBytes());
    assertEquals(4096 + 1024, p.plannedBytes(), "a is held from its free until b takes it");
    assertFalse(p.provenOptimal());
  }

  @Test
  void plan_inputGraph_isLeftUnchanged() {
    List<WrapperLine> lines = List.of(alloc(A), call("a"), free(A), alloc(B), call("b"));
    Graph g = graph(lines, List.of("b"));
    plan(g);
    assertEquals(FreeIfNotReusedLine.of(A), g.lines().get(2));
  }

  @Test
  void registry_builtIn_knowsBothReusePlanners() {
    PlannerRegistry r = PlannerRegistry.builtIn();
    assertInstanceOf(GreedyReusePlanner.class, r.get("greedy"));
    assertInstanceOf(GreedyPeakPlanner.class, r.get("greedy-peak"));
    assertTrue(r.names().containsAll(List.of("greedy", "greedy-peak")));
  }
}
