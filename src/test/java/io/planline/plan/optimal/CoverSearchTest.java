package io.planline.plan.optimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.plan.OffsetProblem;
import io.planline.plan.arena.Preorder;
import io.planline.plan.arena.Sections;
import io.planline.testing.Instances;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The cover search and its rules against an independent brute force on small instances. */
final class CoverSearchTest {

  private static final long NO_DEADLINE = Long.MAX_VALUE;

  private static CoverSearch search(OffsetProblem p, Preorder order, long capacity,
      long nodeLimit, long deadlineNanos, PieceMemo memo) {
    Sections sections = new Sections(p);
    return new CoverSearch(p, sections, SearchState.overlapLists(p, sections),
        order.ranks(p, sections), capacity, nodeLimit, deadlineNanos, memo, () -> false);
  }

  private static BranchAndBound.Outcome decide(OffsetProblem p, Preorder order, long capacity) {
    CoverSearch s = search(p, order, capacity, Long.MAX_VALUE, NO_DEADLINE, new PieceMemo());
    BranchAndBound.Outcome outcome = s.run();
    if (outcome == BranchAndBound.Outcome.FITS) {
      assertTrue(Instances.isValid(p, s.solution()));
      assertTrue(p.height(s.solution()) <= capacity);
    }
    return outcome;
  }

  @Test
  void run_everyPreorderBothDirections_fitsAtTheBruteForceOptimum() {
    // Completeness: no rule (valley choice, waste level, no-slack cover, twins, pieces) may cut
    // every placement at the optimum, under any preorder, forwards or backwards in time.
    Random rnd = new Random(43);
    for (int round = 0; round < 300; round++) {
      OffsetProblem p = Instances.random(rnd, 2 + rnd.nextInt(7), 6, 8);
      long optimum = Instances.bruteForceOptimum(p);
      for (OffsetProblem q : new OffsetProblem[] {p, p.reversed()}) {
        for (Preorder order : Preorder.values()) {
          assertEquals(BranchAndBound.Outcome.FITS, decide(q, order, optimum),
              order + " round " + round);
        }
      }
    }
  }

  @Test
  void run_instancesAboveTheirBound_decideExactlyAtTheOptimum() {
    // Here the optimum is above the lower bound, so "does not fit" below it is a real proof.
    for (OffsetProblem p : Instances.aboveTheirBound()) {
      long optimum = Instances.bruteForceOptimum(p);
      assertTrue(optimum > p.lowerBound(), p::toString);
      for (Preorder order : Preorder.values()) {
        assertEquals(BranchAndBound.Outcome.FITS, decide(p, order, optimum), order.name());
        assertEquals(BranchAndBound.Outcome.DOES_NOT_FIT, decide(p, order, optimum - 1),
            order.name());
        assertEquals(BranchAndBound.Outcome.DOES_NOT_FIT,
            decide(p.reversed(), order, optimum - 1), order.name());
      }
    }
  }

  @Test
  void run_noSlackAnywhere_findsThePerfectPacking() {
    // A 6 x 4 rectangle cut into four pieces: every section is full at capacity 6.
    OffsetProblem p = Instances.problem(new long[] {2, 0, 1}, new long[] {4, 0, 0},
        new long[] {4, 1, 3}, new long[] {2, 2, 3});
    assertEquals(6, p.lowerBound());
    for (Preorder order : Preorder.values()) {
      assertEquals(BranchAndBound.Outcome.FITS, decide(p, order, 6), order.name());
    }
  }

  @Test
  void run_nodeLimitOrDeadline_givesUp() {
    OffsetProblem p = Instances.random(new Random(3), 30, 50, 40);
    assertEquals(BranchAndBound.Outcome.GAVE_UP,
        search(p, Preorder.SIZE, p.lowerBound(), 1, NO_DEADLINE, new PieceMemo()).run());
    // The clock is read every 256 nodes: a deadline already passed stops the search there.
    CoverSearch late = search(p, Preorder.SIZE, p.lowerBound(), Long.MAX_VALUE,
        System.nanoTime() - 1, new PieceMemo());
    BranchAndBound.Outcome outcome = late.run();
    assertTrue(outcome == BranchAndBound.Outcome.GAVE_UP || late.nodes() < 256, outcome::name);
  }

  @Test
  void run_bufferLargerThanCapacity_doesNotFit() {
    OffsetProblem p = Instances.problem(new long[] {9, 0, 1});
    assertEquals(BranchAndBound.Outcome.DOES_NOT_FIT, decide(p, Preorder.SIZE, 8));
  }

  @Test
  void run_sameMemoTwice_reusesWhatThePiecesLearned() {
    // Two independent halves once the long buffer is placed: the second run finds both in the
    // memo and visits fewer nodes, with the same answer.
    OffsetProblem p = Instances.problem(new long[] {3, 0, 9}, new long[] {2, 0, 3},
        new long[] {4, 1, 4}, new long[] {1, 2, 2}, new long[] {3, 6, 8}, new long[] {2, 5, 9},
        new long[] {4, 7, 7});
    long capacity = Instances.bruteForceOptimum(p);
    PieceMemo memo = new PieceMemo();
    CoverSearch first = search(p, Preorder.SIZE, capacity, Long.MAX_VALUE, NO_DEADLINE, memo);
    assertEquals(BranchAndBound.Outcome.FITS, first.run());
    CoverSearch second = search(p, Preorder.SIZE, capacity, Long.MAX_VALUE, NO_DEADLINE, memo);
    assertEquals(BranchAndBound.Outcome.FITS, second.run());
    assertTrue(Instances.isValid(p, second.solution()));
    assertTrue(second.nodes() <= first.nodes());
  }
}
