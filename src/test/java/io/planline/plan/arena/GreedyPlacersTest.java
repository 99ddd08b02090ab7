package io.planline.plan.arena;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.plan.OffsetProblem;
import io.planline.testing.Instances;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class GreedyPlacersTest {

  @Test
  void everyPass_randomProblems_givesValidPlacements() {
    Random rnd = new Random(11);
    for (int round = 0; round < 100; round++) {
      OffsetProblem p = Instances.random(rnd, 1 + rnd.nextInt(40), 50, 30);
      Sections sections = new Sections(p);
      for (GreedyPortfolio.Pass pass : GreedyPortfolio.passes(p.size())) {
        long[] offsets = pass.run(p, sections);
        assertTrue(Instances.isValid(p, offsets), pass.name() + " round " + round);
        assertTrue(p.height(offsets) >= p.lowerBound());
      }
    }
  }

  @Test
  void gapBestFit_holeThatFits_isReused() {
    // 0 and 1 are large and live together; 2 comes after 0 dies and fits in its hole.
    OffsetProblem p = Instances.problem(new long[] {4, 0, 1}, new long[] {6, 0, 3},
        new long[] {3, 2, 3});
    long[] offsets = GapPlacer.place(p, new int[] {1, 0, 2}, GapPlacer.Fit.BEST);
    assertEquals(10, p.height(offsets));
    assertTrue(Instances.isValid(p, offsets));
  }

  @Test
  void skyline_lowestFloorFirst_fillsTheValley() {
    // A tall buffer on the left, a short one on the right; the wide one waits for the valley.
    OffsetProblem p = Instances.problem(new long[] {5, 0, 1}, new long[] {2, 2, 3},
        new long[] {3, 2, 3});
    Sections sections = new Sections(p);
    long[] offsets = SkylinePlacer.place(p, sections, Preorder.SIZE.ranks(p, sections));
    assertEquals(5, p.height(offsets));
  }

  @Test
  void best_atTarget_stopsWithAPlacementAtTheBound() {
    OffsetProblem p = Instances.problem(new long[] {4, 0, 1}, new long[] {4, 1, 2},
        new long[] {4, 2, 3});
    Packing best = GreedyPortfolio.best(p, new Sections(p), p.lowerBound());
    assertEquals(8, best.height());
  }

  @Test
  void skyline_randomProblems_placeAsTheRuleSays() {
    // The rule read literally, O(n^2): place the unplaced buffer with the lowest floor (ties by
    // rank) at that floor. The heap with lazily refreshed keys must agree buffer for buffer.
    Random rnd = new Random(11);
    for (int round = 0; round < 300; round++) {
      OffsetProblem p = Instances.random(rnd, 1 + rnd.nextInt(40), 20, 1 + rnd.nextInt(25));
      Sections sections = new Sections(p);
      int[] rank = Preorder.TOTAL_AREA.ranks(p, sections);
      long[] expected = new long[p.size()];
      boolean[] placed = new boolean[p.size()];
      for (int step = 0; step < p.size(); step++) {
        int next = -1;
        long nextFloor = 0;
        for (int b = 0; b < p.size(); b++) {
          if (placed[b]) {
            continue;
          }
          long floor = 0;
          for (int c = 0; c < p.size(); c++) {
            if (placed[c] && p.overlapsInTime(b, c)) {
              floor = Math.max(floor, expected[c] + p.size(c));
            }
          }
          if (next < 0 || floor < nextFloor || (floor == nextFloor && rank[b] < rank[next])) {
            next = b;
            nextFloor = floor;
          }
        }
        placed[next] = true;
        expected[next] = nextFloor;
      }
      assertArrayEquals(expected, SkylinePlacer.place(p, sections, rank), "round " + round);
    }
  }
}
