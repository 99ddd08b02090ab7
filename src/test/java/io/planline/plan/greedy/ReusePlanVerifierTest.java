package io.planline.plan.greedy;

import static io.planline.plan.greedy.Programs.alloc;
import static io.planline.plan.greedy.Programs.buf;
import static io.planline.plan.greedy.Programs.call;
import static io.planline.plan.greedy.Programs.free;
import static io.planline.plan.greedy.Programs.graph;
import static io.planline.plan.greedy.Programs.reuse;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.Buffer;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.ir.WrapperLine.FreeIfNotReusedLine;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import io.planline.plan.ReusePlanVerifier;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Broken reuse plans are rejected with a message naming the violation. */
final class ReusePlanVerifierTest {

  private static final Buffer A = buf("a");
  private static final Buffer B = buf("b");
  private static final Buffer C = buf("c");
  private static final Graph SOURCE = graph(List.of(alloc(A), call("a"), free(A), alloc(B),
      call("b"), free(B), alloc(C), call("c")), List.of("c"));

  private static WrapperLine taken(Buffer b) {
    return new FreeIfNotReusedLine(b, true, false, false);
  }

  private static Plan.Reuses plan(List<WrapperLine> lines, Map<String, String> reuses,
      long planned) {
    return new Plan.Reuses("test", "test", reuses, lines, planned, 1024, false);
  }

  private static void assertRejected(Plan.Reuses plan, String fragment) {
    var e = assertThrows(IllegalStateException.class, () -> ReusePlanVerifier.verify(SOURCE, plan));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  @Test
  void verify_greedyPlan_passes() {
    Plan.Reuses p = new GreedyReusePlanner().plan(SOURCE, PlanOptions.DEFAULT).asReuses();
    assertDoesNotThrow(() -> ReusePlanVerifier.verify(SOURCE, p));
  }

  @Test
  void verify_reuseOfALiveStorage_isRejected() {
    assertRejected(plan(List.of(alloc(A), call("a"), reuse(A, B), call("a", "b")),
        Map.of("b", "a"), 1024), "still live");
  }

  @Test
  void verify_reuseOfAStorageTakenAlready_isRejected() {
    assertRejected(plan(List.of(alloc(A), call("a"), taken(A), reuse(A, B), call("b"),
        reuse(A, C), call("c")), Map.of("b", "a", "c", "a"), 1024), "already taken");
  }

  @Test
  void verify_reuseAcrossKeys_isRejected() {
    Buffer small = buf("s", "64", A.dtype(), true, A.device(), 1024);
    assertRejected(plan(List.of(alloc(A), call("a"), taken(A), reuse(A, small), call("s")),
        Map.of("s", "a"), 1024), "keys differ");
  }

  @Test
  void verify_takenFreeWithoutMark_isRejected() {
    assertRejected(plan(List.of(alloc(A), call("a"), free(A), reuse(A, B), call("b")),
        Map.of("b", "a"), 1024), "released without is_reused");
  }

  @Test
  void verify_markedFreeNeverTaken_isRejected() {
    assertRejected(plan(List.of(alloc(A), call("a"), taken(A), alloc(B), call("b")), Map.of(),
        1024), "no later allocation takes it");
  }

  @Test
  void verify_reusesMapWithoutItsLine_isRejected() {
    assertRejected(plan(List.of(alloc(A), call("a"), free(A), alloc(B), call("b")),
        Map.of("b", "a"), 1024), "reuses lists 1 decisions but the lines carry 0");
  }

  @Test
  void verify_wrongPlannedBytes_isRejected() {
    assertRejected(plan(List.of(alloc(A), call("a"), taken(A), reuse(A, B), call("b")),
        Map.of("b", "a"), 2048), "planned bytes 2048 differ from the simulated peak 1024");
  }

  @Test
  void verify_twoLiveBuffersOneName_isRejected() {
    assertRejected(plan(List.of(alloc(A), alloc(A), call("a")), Map.of(), 2048),
        "still holds a storage");
  }

  @Test
  void planVerifier_pureReusePlan_delegatesHere() {
    Plan bad = plan(List.of(alloc(A), call("a"), free(A), reuse(A, B), call("b")),
        Map.of("b", "a"), 1024);
    assertThrows(IllegalStateException.class,
        () -> PlanVerifier.verify(SOURCE, bad, PlanOptions.ALIGN_BYTES));
  }
}
