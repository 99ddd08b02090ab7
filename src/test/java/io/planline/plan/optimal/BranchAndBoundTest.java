package io.planline.plan.optimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.plan.OffsetProblem;
import io.planline.plan.arena.Packing;
import io.planline.plan.arena.Preorder;
import io.planline.plan.arena.Sections;
import io.planline.testing.Instances;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The search and its pruning rules against an independent brute force on small instances. */
final class BranchAndBoundTest {

  private static final long NO_DEADLINE = Long.MAX_VALUE;

  @Test
  void run_everyPreorder_decidesExactlyAtTheBruteForceOptimum() {
    // Random instances this small almost never have an optimum above their lower bound (none in
    // ten million tried), so this checks completeness: no pruning rule may cut every placement
    // at the optimum, under any preorder.
    Random rnd = new Random(42);
    for (int round = 0; round < 300; round++) {
      OffsetProblem p = Instances.random(rnd, 2 + rnd.nextInt(7), 6, 8);
      long optimum = Instances.bruteForceOptimum(p);
      Sections sections = new Sections(p);
      for (Preorder order : Preorder.values()) {
        assertDecidesExactlyAt(p, sections, order, optimum, order + " round " + round);
      }
    }
  }

  @Test
  void run_instancesAboveTheirBound_decideExactlyAtTheOptimum() {
    // Here "does not fit" below the optimum is a real proof, not the lower bound's shortcut.
    for (OffsetProblem p : Instances.aboveTheirBound()) {
      long optimum = Instances.bruteForceOptimum(p);
      Sections sections = new Sections(p);
      for (Preorder order : Preorder.values()) {
        assertDecidesExactlyAt(p, sections, order, optimum, order.name());
      }
    }
  }

  /** Fits at {@code optimum} (a valid placement no higher) and provably not one unit below. */
  private static void assertDecidesExactlyAt(OffsetProblem p, Sections sections, Preorder order,
      long optimum, String what) {
    int[] rank = order.ranks(p, sections);
    BranchAndBound fits = new BranchAndBound(p, sections, rank, optimum, Long.MAX_VALUE,
        NO_DEADLINE);
    assertEquals(BranchAndBound.Outcome.FITS, fits.run(), what);
    long[] offsets = fits.solution();
    assertTrue(Instances.isValid(p, offsets), what);
    assertTrue(p.height(offsets) <= optimum, what);
    assertEquals(BranchAndBound.Outcome.DOES_NOT_FIT, new BranchAndBound(p, sections, rank,
        optimum - 1, Long.MAX_VALUE, NO_DEADLINE).run(), what);
  }

  @Test
  void run_identicalBuffers_findsThePacking() {
    // Four twins live together and a fifth after them: the symmetry rule must not lose it.
    OffsetProblem p = Instances.problem(new long[] {2, 0, 3}, new long[] {2, 0, 3},
        new long[] {2, 0, 3}, new long[] {2, 0, 3}, new long[] {8, 4, 5});
    Sections sections = new Sections(p);
    BranchAndBound search = new BranchAndBound(p, sections, Preorder.SIZE.ranks(p, sections), 8,
        Long.MAX_VALUE, NO_DEADLINE);
    assertEquals(BranchAndBound.Outcome.FITS, search.run());
    assertTrue(Instances.isValid(p, search.solution()));
  }

  @Test
  void run_nodeLimitReached_givesUp() {
    OffsetProblem p = Instances.random(new Random(3), 30, 50, 40);
    Sections sections = new Sections(p);
    BranchAndBound search = new BranchAndBound(p, sections, Preorder.SIZE.ranks(p, sections),
        p.lowerBound(), 1, NO_DEADLINE);
    assertEquals(BranchAndBound.Outcome.GAVE_UP, search.run());
  }

  @Test
  void run_bufferLargerThanCapacity_doesNotFit() {
    OffsetProblem p = Instances.problem(new long[] {9, 0, 1});
    Sections sections = new Sections(p);
    BranchAndBound search = new BranchAndBound(p, sections, Preorder.SIZE.ranks(p, sections), 8,
        Long.MAX_VALUE, NO_DEADLINE);
    assertEquals(BranchAndBound.Outcome.DOES_NOT_FIT, search.run());
  }

  @Test
  void minimize_randomInstances_reachesTheBruteForceOptimumAndProvesIt() {
    Random rnd = new Random(5);
    for (int round = 0; round < 200; round++) {
      OffsetProblem p = Instances.random(rnd, 2 + rnd.nextInt(7), 6, 8);
      long optimum = Instances.bruteForceOptimum(p);
      Packing packing = ExactSolver.minimize(p, System.nanoTime() + 10_000_000_000L,
          ExactSolver.Progress.NONE);
      assertTrue(Instances.isValid(p, packing.offsets()), "round " + round);
      assertEquals(optimum, packing.height(), "round " + round);
      assertTrue(packing.provenOptimal(), "round " + round);
    }
  }

  @Test
  void minimize_sizesWithACommonFactor_stillReachesAndProvesTheOptimum() {
    // Only multiples of the sizes' gcd are asked for: scaling every size by 3 scales the optimum.
    Random rnd = new Random(6);
    for (int round = 0; round < 100; round++) {
      OffsetProblem p = Instances.random(rnd, 2 + rnd.nextInt(6), 5, 8);
      long[] sizes = new long[p.size()];
      int[] first = new int[p.size()];
      int[] last = new int[p.size()];
      for (int i = 0; i < p.size(); i++) {
        sizes[i] = 3 * p.size(i);
        first[i] = p.first(i);
        last[i] = p.last(i);
      }
      OffsetProblem scaled = new OffsetProblem(sizes, first, last);
      Packing packing = ExactSolver.minimize(scaled, System.nanoTime() + 10_000_000_000L,
          ExactSolver.Progress.NONE);
      assertTrue(Instances.isValid(scaled, packing.offsets()), "round " + round);
      assertEquals(3 * Instances.bruteForceOptimum(p), packing.height(), "round " + round);
      assertTrue(packing.provenOptimal(), "round " + round);
    }
    for (OffsetProblem p : Instances.aboveTheirBound()) {
      Packing packing = ExactSolver.minimize(p, System.nanoTime() + 10_000_000_000L,
          ExactSolver.Progress.NONE);
      assertEquals(Instances.bruteForceOptimum(p), packing.height());
      assertTrue(packing.provenOptimal());
    }
  }

  @Test
  void minimize_problemTooLargeToSearch_returnsValidGreedyPlacement() {
    // Sparse like a real trace: short lifetimes along a long program.
    Random rnd = new Random(9);
    int n = ExactSearch.SIZE_LIMIT + 1;
    long[] sizes = new long[n];
    int[] first = new int[n];
    int[] last = new int[n];
    for (int i = 0; i < n; i++) {
      sizes[i] = 1 + rnd.nextInt(100);
      first[i] = rnd.nextInt(2 * n);
      last[i] = first[i] + rnd.nextInt(40);
    }
    OffsetProblem p = new OffsetProblem(sizes, first, last);
    Packing packing = ExactSolver.minimize(p, System.nanoTime() + 300_000_000L,
        ExactSolver.Progress.NONE);
    assertTrue(Instances.isValid(p, packing.offsets()));
    assertTrue(packing.height() >= p.lowerBound());
    assertEquals(packing.height() == p.lowerBound(), packing.provenOptimal());
  }
}
