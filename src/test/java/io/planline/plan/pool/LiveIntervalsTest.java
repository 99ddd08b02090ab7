package io.planline.plan.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Inductor's LiveRanges semantics: half-open intervals, touching ones merge but never overlap. */
final class LiveIntervalsTest {

  @Test
  void union_touchingAndNested_merge() {
    LiveIntervals u = LiveIntervals.union(List.of(LiveIntervals.of(5, 8), LiveIntervals.of(0, 3),
        LiveIntervals.of(3, 4), LiveIntervals.of(6, 7)));
    assertEquals("[[0, 4), [5, 8)]", u.toString());
  }

  @Test
  void overlaps_touchingIntervals_doNotOverlap() {
    assertFalse(LiveIntervals.of(0, 3).overlaps(LiveIntervals.of(3, 5)));
    assertFalse(LiveIntervals.of(3, 5).overlaps(LiveIntervals.of(0, 3)));
  }

  @Test
  void overlaps_sharedTimeInAGap_isFound() {
    LiveIntervals gappy =
        LiveIntervals.union(List.of(LiveIntervals.of(0, 2), LiveIntervals.of(6, 9)));
    assertFalse(gappy.overlaps(LiveIntervals.of(2, 6)), "fits the gap exactly");
    assertTrue(gappy.overlaps(LiveIntervals.of(5, 7)));
    assertTrue(LiveIntervals.of(1, 8).overlaps(gappy));
  }

  @Test
  void overlaps_empty_neverOverlaps() {
    assertFalse(LiveIntervals.EMPTY.overlaps(LiveIntervals.of(0, 10)));
    assertTrue(LiveIntervals.union(List.of()).isEmpty());
  }

  @Test
  void of_endBeforeBegin_rejected() {
    assertThrows(IllegalArgumentException.class, () -> LiveIntervals.of(4, 3));
  }

  @Test
  void union_randomParts_matchesSortingEveryInterval() {
    // Reference: every interval of every part, sorted by begin, joined where they touch.
    Random rnd = new Random(3);
    for (int round = 0; round < 500; round++) {
      List<LiveIntervals> parts = new ArrayList<>();
      List<long[]> all = new ArrayList<>();
      for (int k = rnd.nextInt(7); k > 0; k--) {
        List<LiveIntervals> pieces = new ArrayList<>();
        for (int m = 1 + rnd.nextInt(4); m > 0; m--) {
          long begin = rnd.nextInt(40);
          long end = begin + rnd.nextInt(6);
          pieces.add(LiveIntervals.of(begin, end));
          all.add(new long[] {begin, end});
        }
        parts.add(LiveIntervals.union(pieces));
      }
      all.sort(Comparator.comparingLong(a -> a[0]));
      StringBuilder expected = new StringBuilder("[");
      long[] open = null;
      for (long[] r : all) {
        if (open != null && open[1] >= r[0]) {
          open[1] = Math.max(open[1], r[1]);
          continue;
        }
        if (open != null) {
          expected.append(expected.length() > 1 ? ", " : "")
              .append('[').append(open[0]).append(", ").append(open[1]).append(')');
        }
        open = r.clone();
      }
      if (open != null) {
        expected.append(expected.length() > 1 ? ", " : "")
            .append('[').append(open[0]).append(", ").append(open[1]).append(')');
      }
      assertEquals(expected.append(']').toString(), LiveIntervals.union(parts).toString(),
          "round " + round);
    }
  }

  @Test
  void overlaps_oneInterval_agreesWithTheWalkOverBothSets() {
    // One interval against a set takes a binary search; a two-interval set, the walk. Both must
    // say the same, empty intervals and touching ends included.
    Random rnd = new Random(9);
    for (int round = 0; round < 2000; round++) {
      List<LiveIntervals> pieces = new ArrayList<>();
      for (int m = 1 + rnd.nextInt(5); m > 0; m--) {
        long begin = rnd.nextInt(30);
        pieces.add(LiveIntervals.of(begin, begin + rnd.nextInt(5)));
      }
      LiveIntervals set = LiveIntervals.union(pieces);
      long begin = rnd.nextInt(32);
      long end = begin + rnd.nextInt(4);
      // A far-away second interval changes nothing but forces the walk.
      LiveIntervals walked = LiveIntervals.union(List.of(LiveIntervals.of(begin, end),
          LiveIntervals.of(1_000, 1_001)));
      assertEquals(set.overlaps(walked), set.overlaps(LiveIntervals.of(begin, end)),
          set + " against [" + begin + ", " + end + ")");
    }
  }

  @Test
  void with_oneInterval_isTheUnion() {
    Random rnd = new Random(4);
    for (int round = 0; round < 2000; round++) {
      List<LiveIntervals> pieces = new ArrayList<>();
      for (int m = rnd.nextInt(6); m > 0; m--) {
        long begin = rnd.nextInt(30);
        pieces.add(LiveIntervals.of(begin, begin + rnd.nextInt(5)));
      }
      LiveIntervals set = LiveIntervals.union(pieces);
      long begin = rnd.nextInt(32);
      LiveIntervals one = LiveIntervals.of(begin, begin + rnd.nextInt(8));
      assertEquals(LiveIntervals.union(List.of(set, one)).toString(), set.with(one).toString(),
          set + " with " + one);
    }
  }
}
