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

/** {@link SplitTrial}: both ways timed in turn, the faster chosen, the trial run again later. */
final class SplitTrialTest {

  private static final int N = SplitTrial.SAMPLES;

  /**
   * Runs {@code requests} requests, each taking {@code whole} or {@code split} nanoseconds as it
   * ran; returns how many split.
   */
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
  void timesBothInTurn_wholeFirst_thenRunsTheFaster() {
    SplitTrial t = new SplitTrial();
    for (int i = 0; i < 2 * N; i++) {
      boolean s = t.split();
      assertEquals(i % 2 == 1, s, "request " + i);
      assertEquals(i == 2 * N - 1, t.record(s, s ? 200 : 300), "trial ended at " + i);
    }
    assertEquals(300, t.medianNanos(false));
    assertEquals(200, t.medianNanos(true));
    assertEquals(SplitTrial.FIRST_GAP, t.untilTrial());
    assertEquals(SplitTrial.FIRST_GAP, splits(t, SplitTrial.FIRST_GAP, 300, 200));
    assertEquals(0, t.untilTrial(), "a trial again");
  }

  @Test
  void wholeFaster_runsWhole_untilTheNextTrial() {
    SplitTrial t = new SplitTrial();
    assertEquals(N, splits(t, 2 * N, 200, 300));
    assertEquals(0, splits(t, SplitTrial.FIRST_GAP, 200, 300));
  }

  /** The gaps between trials double, up to the most. */
  @Test
  void trialsRepeat_gapsDouble() {
    SplitTrial t = new SplitTrial();
    int gap = SplitTrial.FIRST_GAP;
    for (int trial = 1; trial <= 8; trial++) {
      assertEquals(N, splits(t, 2 * N, 300, 200), "trial " + trial + " times both ways");
      assertEquals(trial, t.trials());
      assertEquals(gap, t.untilTrial());
      assertEquals(gap, splits(t, gap, 300, 200));
      gap = Math.min(2 * gap, SplitTrial.MAX_GAP);
    }
    assertEquals(SplitTrial.MAX_GAP, gap);
  }

  /** Splitting chosen; the next trial finds it slower, and whole runs from then on. */
  @Test
  void theNextTrial_followsAMachineThatChanged() {
    SplitTrial t = new SplitTrial();
    splits(t, 2 * N + SplitTrial.FIRST_GAP, 300, 200);
    splits(t, 2 * N, 300, 500);
    assertEquals(500, t.medianNanos(true));
    assertFalse(t.split());
  }

  /** Between trials nothing is kept: the chosen way's runs do not move the medians. */
  @Test
  void betweenTrials_timesAreNotKept() {
    SplitTrial t = new SplitTrial();
    splits(t, 2 * N, 300, 200);
    assertTrue(t.split());
    assertFalse(t.record(true, 9_000));
    assertEquals(200, t.medianNanos(true));
  }

  @Test
  void oneSlowRun_doesNotDecide() {
    SplitTrial t = new SplitTrial();
    for (int i = 0; i < 2 * N; i++) {
      boolean s = t.split();
      // a collection or a preempted thread in the first split run
      t.record(s, s ? (i == 1 ? 1_000_000_000L : 200) : 300);
    }
    assertTrue(t.split());
  }

  /**
   * Whatever the times, when one way is faster in every run, the other runs only in trials:
   * {@link SplitTrial#SAMPLES} requests of each.
   */
  @Property
  void fasterWay_runsEverythingButHalfOfEachTrial(
      @ForAll @Size(SplitTrial.SAMPLES) List<@LongRange(min = 1, max = 1_000_000) Long> fast,
      @ForAll @Size(SplitTrial.SAMPLES) List<@LongRange(min = 1, max = 1_000_000) Long> slow,
      @ForAll boolean splitFaster) {
    SplitTrial t = new SplitTrial();
    long offset = 1_000_000; // every slow run slower than every fast one
    int slower = 0;
    int requests = 2 * N + SplitTrial.FIRST_GAP + 2 * N + 2 * SplitTrial.FIRST_GAP;
    for (int i = 0; i < requests; i++) {
      boolean s = t.split();
      boolean fastWay = s == splitFaster;
      slower += fastWay ? 0 : 1;
      t.record(s, fastWay ? fast.get(i % N) : slow.get(i % N) + offset);
    }
    assertEquals(2, t.trials());
    assertEquals(2 * N, slower);
    assertEquals(splitFaster, t.medianNanos(true) < t.medianNanos(false));
  }
}
