package io.planline.plan.arena;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.plan.OffsetProblem;
import io.planline.testing.Instances;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class TimeSplitTest {

  @Test
  void of_wholeSpanBuffer_isStackedAndSplitsTheRest() {
    // 0 spans everything; below it nothing. 1-4 form a chain (no one of them overlaps all the
    // others), 5 is alone later.
    OffsetProblem p = Instances.problem(new long[] {5, 0, 12}, new long[] {2, 0, 3},
        new long[] {3, 2, 5}, new long[] {4, 4, 7}, new long[] {1, 6, 9},
        new long[] {9, 11, 12});
    TimeSplit split = TimeSplit.of(p);
    assertEquals(1, split.components().size());
    TimeSplit.Component c = split.components().get(0);
    assertEquals(5, c.base());
    assertArrayEquals(new int[] {1, 2, 3, 4}, c.ids());
    long[] offsets = split.assemble(List.of(new long[] {0, 2, 5, 0}));
    assertTrue(Instances.isValid(p, offsets));
    assertEquals(14, p.height(offsets));
  }

  @Test
  void of_bufferOverlappingEveryOther_isStackedThoughNotWholeSpan() {
    // 1 and 3 overlap every other buffer (3 lives only over [3, 4]): both are stacked, and then
    // 0 and 2 share no time.
    OffsetProblem p = Instances.problem(new long[] {2, 0, 3}, new long[] {3, 2, 5},
        new long[] {4, 4, 7}, new long[] {6, 3, 4});
    TimeSplit split = TimeSplit.of(p);
    long[] offsets = split.assemble(List.of());
    assertTrue(split.components().isEmpty());
    assertEquals(0, offsets[1]);
    assertEquals(3, offsets[3]);
    assertTrue(Instances.isValid(p, offsets));
    assertEquals(Instances.bruteForceOptimum(p), p.height(offsets));
  }

  @Test
  void of_component_keepsTheProblemsOwnTimes() {
    // Lifetime lengths steer the greedy orders, so a component is not renumbered (only the exact
    // search renumbers): the chain 1-4 keeps its gapped times above the stacked buffer 0.
    OffsetProblem p = Instances.problem(new long[] {5, 0, 40}, new long[] {2, 10, 20},
        new long[] {3, 15, 25}, new long[] {1, 22, 30}, new long[] {4, 28, 40});
    TimeSplit.Component c = TimeSplit.of(p).components().get(0);
    assertEquals(5, c.base());
    for (int k = 0; k < c.ids().length; k++) {
      assertEquals(p.first(c.ids()[k]), c.problem().first(k));
      assertEquals(p.last(c.ids()[k]), c.problem().last(k));
    }
  }

  @Test
  void of_zeroSizeBuffers_needNoComponent() {
    OffsetProblem p = Instances.problem(new long[] {0, 0, 9}, new long[] {0, 3, 4});
    TimeSplit split = TimeSplit.of(p);
    assertTrue(split.components().isEmpty());
    assertEquals(0, p.height(split.assemble(List.of())));
  }

  @Test
  void assemble_componentPackings_giveValidPlacement() {
    Random rnd = new Random(7);
    for (int round = 0; round < 200; round++) {
      OffsetProblem p = Instances.random(rnd, 1 + rnd.nextInt(12), 5, 10);
      TimeSplit split = TimeSplit.of(p);
      List<long[]> parts = new ArrayList<>();
      long height = 0;
      for (TimeSplit.Component c : split.components()) {
        Packing packing = GreedyPortfolio.best(c.problem(), new Sections(c.problem()), 0);
        parts.add(packing.offsets());
        height = Math.max(height, c.base() + packing.height());
      }
      long[] offsets = split.assemble(parts);
      assertTrue(Instances.isValid(p, offsets), "round " + round);
      assertTrue(p.height(offsets) >= height);
    }
  }
}
