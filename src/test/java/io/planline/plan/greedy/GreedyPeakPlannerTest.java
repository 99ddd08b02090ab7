package io.planline.plan.greedy;

import static io.planline.plan.greedy.Programs.alloc;
import static io.planline.plan.greedy.Programs.buf;
import static io.planline.plan.greedy.Programs.call;
import static io.planline.plan.greedy.Programs.free;
import static io.planline.plan.greedy.Programs.graph;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.planline.ir.Buffer;
import io.planline.ir.Graph;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The peak-aware rule: take a freed storage only when holding it raises no peak. */
final class GreedyPeakPlannerTest {

  private static final Buffer A = buf("a");
  private static final Buffer B = buf("b");
  private static final Buffer BIG = buf("big", 1024);

  private static Plan plan(Graph g) {
    Plan p = new GreedyPeakPlanner().plan(g, PlanOptions.DEFAULT);
    PlanVerifier.verify(g, p, PlanOptions.ALIGN_BYTES);
    return p;
  }

  @Test
  void plan_holdingThroughThePeak_declinesTheReuse() {
    Graph g = graph(List.of(alloc(A), call("a"), free(A), alloc(BIG), call("big"), free(BIG),
        alloc(B), call("b")), List.of("b"));
    Plan p = plan(g);
    assertEquals(Map.of(), p.asReuses().reuses());
    assertEquals(4096, p.plannedBytes());
    assertEquals(4096, WholePeak.peak(g.withLines(p.lines())));
    assertEquals(Map.of("b", "a"),
        new GreedyReusePlanner().plan(g, PlanOptions.DEFAULT).asReuses().reuses(),
        "the seed takes it and holds 1 KiB through the peak");
  }

  @Test
  void plan_gapBelowThePeak_takesTheReuse() {
    // The peak (big and a together) comes first; holding a's storage afterwards costs nothing.
    Graph g = graph(List.of(alloc(BIG), alloc(A), call("a", "big"), free(A), free(BIG), call(),
        alloc(B), call("b")), List.of("b"));
    assertEquals(Map.of("b", "a"), plan(g).asReuses().reuses());
  }

  @Test
  void plan_adjacentFreeAndAllocation_alwaysReuses() {
    Graph g = graph(List.of(alloc(A), call("a"), free(A), alloc(B), call("b")), List.of("b"));
    assertEquals(Map.of("b", "a"), plan(g).asReuses().reuses());
  }

  @Test
  void plan_declinedCandidate_staysBelowNewerFreesOfItsKey() {
    Buffer c = buf("c");
    Graph g = graph(List.of(alloc(A), call("a"), free(A), alloc(BIG), call("big"), free(BIG),
        alloc(B), call("b"), free(B), alloc(c), call("c")), List.of("c"));
    Plan p = plan(g);
    // b declines a (its gap spans big's peak); c is offered b, freed just before it.
    assertEquals(Map.of("c", "b"), p.asReuses().reuses());
    assertEquals(4096, WholePeak.peak(g.withLines(p.lines())));
  }
}
