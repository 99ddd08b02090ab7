package io.planline.plan.optimal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.CsvBufferReader;
import io.planline.plan.LiveRange;
import io.planline.plan.Liveness;
import io.planline.plan.OffsetProblem;
import io.planline.plan.arena.ArenaDriver;
import io.planline.testing.Instances;
import io.planline.testing.Shared;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class ExactSearchTest {

  @Test
  void luby_firstTerms_followTheSequence() {
    long[] expected = {1, 1, 2, 1, 1, 2, 4, 1, 1, 2, 1, 1, 2, 4, 8, 1};
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], ExactSearch.luby(i + 1), "term " + (i + 1));
    }
  }

  @Test
  void decide_sameProblemTwice_givesTheSameAnswer() {
    List<LiveRange> ranges = Liveness.of(CsvBufferReader.read(
        Shared.minimalloc().resolve("challenging/K.1048576.csv")).graphs().get(0));
    OffsetProblem p = ArenaDriver.problem(ranges, 1);
    long deadline = System.nanoTime() + 600_000_000_000L;
    ExactSearch.Decision first = new ExactSearch(p).decide(p.lowerBound(), 3_000_000, deadline);
    ExactSearch.Decision second = new ExactSearch(p).decide(p.lowerBound(), 3_000_000, deadline);
    assertEquals(first.outcome(), second.outcome());
    if (first.offsets() != null) {
      assertNotNull(second.offsets());
      assertTrue(Instances.isValid(p, first.offsets()));
      assertEquals(p.lowerBound(), p.height(first.offsets()));
      assertArrayEquals(first.offsets(), second.offsets());
    }
  }

  @Test
  void decide_manyDecisions_runOnTheFixedWorkerThreads() {
    Random rnd = new Random(3);
    for (int i = 0; i < 50; i++) {
      OffsetProblem p = Instances.random(rnd, 12, 8, 8);
      new ExactSearch(p).decide(p.lowerBound(), 200, Long.MAX_VALUE);
    }
    long workers = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("exact-search-")).count();
    int pool = Math.max(ExactSearch.WORKERS, Runtime.getRuntime().availableProcessors());
    assertTrue(workers <= pool, workers + " search threads after 50 decisions; pool " + pool);
  }

  @Test
  void decide_capacityBelowTheBound_isProvenWithoutSearch() {
    OffsetProblem p = Instances.random(new Random(1), 20, 10, 10);
    ExactSearch.Decision d = new ExactSearch(p).decide(p.lowerBound() - 1, 1, Long.MAX_VALUE);
    assertEquals(BranchAndBound.Outcome.DOES_NOT_FIT, d.outcome());
  }

  @Test
  void decide_sameBuffersOverSpreadTimes_decidesAlike() {
    // Times spread as program lines spread them (each start on a line of its own, ends after the
    // starts of their time): the overlaps are unchanged, so the search must not notice.
    Random rnd = new Random(5);
    for (int round = 0; round < 20; round++) {
      OffsetProblem list = Instances.random(rnd, 14, 9, 8);
      int n = list.size();
      long[] sizes = new long[n];
      int[] first = new int[n];
      int[] last = new int[n];
      for (int i = 0; i < n; i++) {
        sizes[i] = list.size(i);
        first[i] = list.first(i) * n + i;
        last[i] = list.last(i) * n + n - 1;
      }
      OffsetProblem lines = new OffsetProblem(sizes, first, last);
      ExactSearch.Decision a = new ExactSearch(list).decide(list.lowerBound(), 100_000,
          Long.MAX_VALUE);
      ExactSearch.Decision b = new ExactSearch(lines).decide(lines.lowerBound(), 100_000,
          Long.MAX_VALUE);
      assertEquals(a.outcome(), b.outcome(), "round " + round);
      assertArrayEquals(a.offsets(), b.offsets(), "round " + round);
    }
  }
}
