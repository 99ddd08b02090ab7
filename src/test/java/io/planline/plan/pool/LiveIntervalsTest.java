package io.planline.plan.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
}
