package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** {@link SplitTrial}: both ways measured, then the faster, the other now and then. */
final class SplitTrialTest {

  private static final int N = SplitTrial.SAMPLES;

  /** Runs {@code requests} requests, each timed {@code whole} or {@code split} as it ran. */
  private static int splits(SplitTrial t, int requests, long whole, long split) {
    int splits = 0;
    for (int i = 0; i < requests; i++) {
      boolean s = t.split();
      t.record(s, s ? split : whole);
      splits += s ? 1 : 0;
    }
    return splits;
  }

  @Test
  void measuresBothInTurn_wholeFirst_thenChooses() {
    SplitTrial t = new SplitTrial();
    for (int i = 0; i < 2 * N; i++) {
      boolean s = t.split();
      assertEquals(i % 2 == 1, s, "request " + i);
      t.record(s, s ? 200 : 300);
      if (i < 2 * N - 1) {
        assertEquals(-1, t.medianNanos(true));
      }
    }
    assertEquals(300, t.medianNanos(false));
    assertEquals(200, t.medianNanos(true));
    assertTrue(t.split());
  }

  /** The record that completes both ways says so, and only that one. */
  @Test
  void record_saysOnceWhenTheTrialEnds() {
    SplitTrial t = new SplitTrial();
    int ends = 0;
    for (int i = 0; i < 4 * N + 3 * SplitTrial.RECHECK; i++) {
      boolean s = t.split();
      boolean ended = t.record(s, s ? 200 : 300);
      if (ended) {
        assertEquals(2 * N - 1, i, "ended at request " + i);
      }
      ends += ended ? 1 : 0;
    }
    assertEquals(1, ends);
  }

  @Test
  void splitFaster_splits_butOneInRecheckRunsWhole() {
    SplitTrial t = new SplitTrial();
    splits(t, 2 * N, 300, 200);
    int requests = 10 * SplitTrial.RECHECK;
    assertEquals(requests - 10, splits(t, requests, 300, 200));
  }

  @Test
  void wholeFaster_runsWhole_butOneInRecheckSplits() {
    SplitTrial t = new SplitTrial();
    splits(t, 2 * N, 200, 300);
    assertEquals(10, splits(t, 10 * SplitTrial.RECHECK, 200, 300));
  }

  /** Splitting chosen, then slower than whole: after half a window of slow runs, whole. */
  @Test
  void splitGrowsSlower_switchesToWhole() {
    SplitTrial t = new SplitTrial();
    splits(t, 2 * N, 300, 200);
    for (int i = 0; i < N / 2 + 1; i++) {
      t.record(true, 500);
    }
    assertFalse(t.split());
  }

  /** Whole runs only as rechecks while splitting is chosen; enough of them bring it back. */
  @Test
  void wholeGrowsFaster_rechecksBringItBack() {
    SplitTrial t = new SplitTrial();
    splits(t, 2 * N, 300, 200);
    int requests = (N / 2 + 1) * SplitTrial.RECHECK;
    splits(t, requests, 100, 200);
    assertFalse(t.split(), "whole medians " + t.medianNanos(false));
  }

  @Test
  void oneSlowRun_doesNotFlipTheChoice() {
    SplitTrial t = new SplitTrial();
    splits(t, 2 * N, 300, 200);
    t.record(true, 1_000_000_000L); // a collection, a preempted thread
    assertTrue(t.split());
  }

  /**
   * Whatever the times, once both ways are measured and one is faster in every run, the other
   * runs only as a recheck: one request in {@link SplitTrial#RECHECK}.
   */
  @Property
  void fasterWay_takesAllButTheRechecks(
      @ForAll @Size(SplitTrial.SAMPLES) List<@LongRange(min = 1, max = 1_000_000) Long> fast,
      @ForAll @Size(SplitTrial.SAMPLES) List<@LongRange(min = 1, max = 1_000_000) Long> slow,
      @ForAll boolean splitFaster) {
    SplitTrial t = new SplitTrial();
    long offset = 1_000_000; // every slow run slower than every fast one
    for (int i = 0; i < N; i++) {
      assertFalse(t.split());
      t.record(false, splitFaster ? slow.get(i) + offset : fast.get(i));
      assertTrue(t.split());
      t.record(true, splitFaster ? fast.get(i) : slow.get(i) + offset);
    }
    int chosen = 0;
    int requests = 4 * SplitTrial.RECHECK;
    for (int i = 0; i < requests; i++) {
      chosen += t.split() == splitFaster ? 1 : 0;
    }
    assertEquals(requests - 4, chosen);
  }
}
