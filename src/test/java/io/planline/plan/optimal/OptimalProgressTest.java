package io.planline.plan.optimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.CsvBufferReader;
import io.planline.ir.Graph;
import io.planline.plan.Liveness;
import io.planline.plan.OffsetProblem;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.SearchProgress;
import io.planline.plan.arena.ArenaDriver;
import io.planline.testing.Shared;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The exact engine's progress reports (issue 12), driven by real searches on MiniMalloc's
 * challenging A, whose greedy placements are 12% above the bound: what is reported, not when.
 */
final class OptimalProgressTest {

  private static Graph challengingA() {
    return CsvBufferReader.read(Shared.minimalloc().resolve("challenging/A.1048576.csv"))
        .graphs().get(0);
  }

  @Test
  void plan_withAListener_reportsEachStepInBytes() {
    Graph g = challengingA();
    List<SearchProgress.Snapshot> seen = new ArrayList<>();
    PlanOptions options = PlanOptions.DEFAULT.withAlignment(1).withBudgetMillis(300)
        .withProgress(seen::add);
    Plan plan = new OptimalPlanner().plan(g, options);
    assertFalse(seen.isEmpty(), "no progress reported");
    long best = Long.MAX_VALUE;
    long floor = 0;
    for (SearchProgress.Snapshot s : seen) {
      assertEquals(g.source(), s.source());
      assertTrue(s.bestBytes() >= s.boundBytes(), s.toString());
      assertTrue(s.boundBytes() >= plan.lowerBoundBytes(), s.toString());
      assertTrue(s.bestBytes() <= best, "the best got worse: " + seen);
      assertTrue(s.boundBytes() >= floor, "the bound went down: " + seen);
      best = s.bestBytes();
      floor = s.boundBytes();
    }
    assertEquals(plan.plannedBytes(), best, "the last report is the plan");
  }

  @Test
  void decide_longSearch_beatsOnTheCallingThread() {
    OffsetProblem p = ArenaDriver.problem(Liveness.of(challengingA()), 1);
    ExactSearch search = new ExactSearch(p);
    AtomicInteger beats = new AtomicInteger();
    Thread caller = Thread.currentThread();
    List<Thread> beaters = new ArrayList<>();
    search.heartbeat(() -> {
      beats.incrementAndGet();
      beaters.add(Thread.currentThread());
    }, 1_000_000);
    // Bounded by nodes, not time: 20,000 nodes per worker take far longer than the 1 ms beat.
    search.decide(p.lowerBound(), 20_000, Long.MAX_VALUE);
    assertTrue(beats.get() > 0, "no heartbeat while the workers ran");
    assertTrue(beaters.stream().allMatch(t -> t == caller), "a heartbeat ran on a worker");
  }

  @Test
  void plan_capacityQuestion_reportsNothingAndPlansAlike() {
    Graph g = challengingA();
    PlanOptions options = PlanOptions.DEFAULT.withAlignment(1).withCapacityBytes(1_300_000);
    List<SearchProgress.Snapshot> seen = new ArrayList<>();
    Plan quiet = new OptimalPlanner().plan(g, options);
    Plan watched = new OptimalPlanner().plan(g, options.withProgress(seen::add));
    // the capacity question is not a minimisation: it reports nothing
    assertTrue(seen.isEmpty());
    assertEquals(quiet.plannedBytes(), watched.plannedBytes());
  }
}
