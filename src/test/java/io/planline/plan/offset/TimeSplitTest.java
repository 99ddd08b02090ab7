package io.planline.plan.offset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class TimeSplitTest {

  @Test
  void of_wholeSpanBuffer_isStackedAndSplitsTheRest() {
    // 0 spans everything; below it nothing. 1 and 2 overlap each other, 3 is alone later.
    OffsetProblem p = Instances.problem(new long[] {5, 0, 9}, new long[] {2, 0, 3},
        new long[] {3, 2, 5}, new long[] {4, 7, 9});
    TimeSplit split = TimeSplit.of(p);
    assertEquals(1, split.components().size());
    TimeSplit.Component c = split.components().get(0);
    assertEquals(5, c.base());
    assertArrayEquals(new int[] {1, 2}, c.ids());
    long[] offsets = split.assemble(List.of(new long[] {0, 2}));
    assertTrue(p.isValid(offsets));
    assertEquals(10, p.height(offsets));
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
      assertTrue(p.isValid(offsets), "round " + round);
      assertTrue(p.height(offsets) >= height);
    }
  }
}
