package io.planline.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.testing.Instances;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class OffsetProblemTest {

  @Test
  void lowerBound_rangesSharingOnlyAnEndpoint_countBoth() {
    // Inclusive ranges: [0,2] and [2,4] are both live at 2.
    OffsetProblem p = Instances.problem(new long[] {3, 0, 2}, new long[] {5, 2, 4});
    assertEquals(8, p.lowerBound());
  }

  @Test
  void lowerBound_adjacentRanges_doNotAdd() {
    OffsetProblem p = Instances.problem(new long[] {3, 0, 1}, new long[] {5, 2, 4});
    assertEquals(5, p.lowerBound());
  }

  @Test
  void lowerBound_noBuffers_isZero() {
    assertEquals(0, new OffsetProblem(new long[0], new int[0], new int[0]).lowerBound());
  }

  @Test
  void constructor_negativeSize_isRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> Instances.problem(new long[] {-1, 0, 1}));
  }

  @Test
  void constructor_emptyRange_isRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> Instances.problem(new long[] {1, 3, 2}));
  }

  @Test
  void constructor_arraysOfDifferentLength_areRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> new OffsetProblem(new long[] {1}, new int[] {0, 1}, new int[] {0}));
  }

  @Test
  void isValid_overlapInTimeAndMemory_isFalse() {
    OffsetProblem p = Instances.problem(new long[] {4, 0, 2}, new long[] {4, 1, 3});
    assertFalse(Instances.isValid(p, new long[] {0, 3}));
    assertTrue(Instances.isValid(p, new long[] {0, 4}));
  }

  @Test
  void isValid_disjointInTime_mayShareMemory() {
    OffsetProblem p = Instances.problem(new long[] {4, 0, 1}, new long[] {4, 2, 3});
    assertTrue(Instances.isValid(p, new long[] {0, 0}));
  }

  @Test
  void compressed_randomProblems_keepExactlyTheOverlaps() {
    Random rnd = new Random(17);
    for (int round = 0; round < 500; round++) {
      OffsetProblem p = Instances.random(rnd, 1 + rnd.nextInt(20), 9, 1 + rnd.nextInt(30));
      OffsetProblem q = p.compressed();
      assertEquals(p.size(), q.size());
      for (int i = 0; i < p.size(); i++) {
        assertEquals(p.size(i), q.size(i));
        for (int j = 0; j < p.size(); j++) {
          assertEquals(p.overlapsInTime(i, j), q.overlapsInTime(i, j),
              "round " + round + ", buffers " + i + " and " + j);
        }
      }
      assertEquals(p.lowerBound(), q.lowerBound());
    }
  }

  @Test
  void compressed_sameProblemReadFromLines_isTheSameAsFromTheList() {
    // Allocations at one time get one line each in a program; renumbered, nothing differs.
    OffsetProblem list = Instances.problem(new long[] {4, 0, 2}, new long[] {3, 0, 0},
        new long[] {2, 1, 3});
    OffsetProblem lines = Instances.problem(new long[] {4, 0, 9}, new long[] {3, 1, 4},
        new long[] {2, 6, 12});
    OffsetProblem a = list.compressed();
    OffsetProblem b = lines.compressed();
    for (int i = 0; i < 3; i++) {
      assertEquals(a.first(i), b.first(i));
      assertEquals(a.last(i), b.last(i));
    }
  }
}
