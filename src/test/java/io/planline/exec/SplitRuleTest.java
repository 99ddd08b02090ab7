package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

final class SplitRuleTest {

  private static final long MS = 1_000_000;

  /** The sizes cover the rows, none empty, as even as they go, the larger ones first. */
  @Property
  void sizes_coverTheRows_evenly(@ForAll @LongRange(min = 1, max = 100_000) long rows,
      @ForAll @IntRange(min = 1, max = 64) int parts) {
    if (rows < parts) {
      assertThrows(IllegalArgumentException.class, () -> SplitRule.sizes(rows, parts));
      return;
    }
    long[] sizes = SplitRule.sizes(rows, parts);
    assertEquals(parts, sizes.length);
    assertEquals(rows, Arrays.stream(sizes).sum());
    for (int i = 1; i < sizes.length; i++) {
      assertTrue(sizes[i] <= sizes[i - 1] && sizes[i] >= sizes[0] - 1, Arrays.toString(sizes));
    }
  }

  @Test
  void aloneAndLongEnough_onePartPerCore() {
    SplitRule two = new SplitRule(2, 2, 200);
    assertEquals(2, two.parts(64, MS / 3, 0, 2));
    assertEquals(2, two.parts(5, 10 * MS, 0, 4), "no more parts than cores");
    assertEquals(1, two.parts(1, 10 * MS, 0, 4), "one row cannot be split");
    SplitRule sixteen = new SplitRule(16, 8, 200);
    assertEquals(16, sixteen.parts(64, 10 * MS, 0, 16));
    assertEquals(8, sixteen.parts(8, 10 * MS, 0, 16), "fewer rows than cores, still a crowd");
    assertEquals(1, sixteen.parts(7, 10 * MS, 0, 16), "fewer rows than a crowd");
    assertEquals(1, sixteen.parts(64, 10 * MS, 0, 4), "no more parts than slots");
  }

  @Test
  void short_busy_orNotMeasured_runsWhole() {
    SplitRule two = new SplitRule(2, 2, 200);
    assertEquals(1, two.parts(64, 199_999, 0, 2), "below the limit");
    assertEquals(1, two.parts(64, 10 * MS, 1, 2), "another request runs or waits");
    assertEquals(1, two.parts(64, -1, 0, 2), "not measured yet");
    assertEquals(1, SplitRule.OFF.parts(64, 10 * MS, 0, 2));
    assertEquals(1, new SplitRule(2, 2, 0).parts(64, 10 * MS, 0, 2), "0 turns it off");
  }

  @Test
  void partsGetHalfTheLimitsWorthOfTheWholesTime() {
    SplitRule sixteen = new SplitRule(16, 8, 200);
    // 1 ms is worth ten parts of 100 µs: ten, above the crowd of eight
    assertEquals(10, sixteen.parts(64, MS, 0, 16));
    // 0.5 ms: five parts' worth, not a crowd
    assertEquals(1, sixteen.parts(64, MS / 2, 0, 16));
  }

  /** A lead moves rows to the last part from the first ones, never emptying a part. */
  @Property
  void sizesWithALead_coverTheRows_theLastPartLongest(
      @ForAll @LongRange(min = 2, max = 10_000) long rows,
      @ForAll @IntRange(min = 2, max = 16) int parts,
      @ForAll @LongRange(min = 0, max = 20_000) long lead) {
    if (rows < parts) {
      return;
    }
    long[] even = SplitRule.sizes(rows, parts);
    long[] sizes = SplitRule.sizes(rows, parts, lead);
    assertEquals(rows, Arrays.stream(sizes).sum());
    assertTrue(Arrays.stream(sizes).allMatch(r -> r >= 1), Arrays.toString(sizes));
    long moved = sizes[parts - 1] - even[parts - 1];
    assertEquals(Math.min(lead, rows - even[parts - 1] - (parts - 1)), moved,
        Arrays.toString(sizes));
  }

  @Test
  void leadRows_areTheLeadsWorthOfAPartsTimePerRow() {
    SplitRule lead20 = new SplitRule(2, 2, 200, 20);
    // digits-cnn [64] split on two cores: 175 µs a request, 350 µs of parts, 5.5 µs a row
    assertEquals(4, lead20.leadRows(64, 2, 350_000));
    assertEquals(2, new SplitRule(2, 2, 200, 10).leadRows(64, 2, 350_000));
    // tiny-gpt [8,64]: 450 µs a row, far more than the lead
    assertEquals(0, lead20.leadRows(8, 2, 3_600_000));
    // at most a quarter of an even share; nothing unmeasured, nothing without a lead
    assertEquals(8, lead20.leadRows(64, 2, 1_000));
    assertEquals(0, lead20.leadRows(64, 2, -1));
    assertEquals(0, new SplitRule(2, 2, 200).leadRows(64, 2, 350_000));
  }

  /** A split request counts as its parts' time added up, which keeps its program splitting. */
  @Test
  void splitRequests_countTheirPartsTimeAddedUp() {
    ProgramRuns.Measured runs = new ProgramRuns.Measured();
    runs.record(206_000, 2);
    runs.record(206_000, 2); // the second replaces the first (warm-up)
    runs.recordSplit(175_000, 2);
    assertEquals(206_000 + (350_000 - 206_000) / 4, runs.averageNanos());
    assertEquals(2, new SplitRule(2, 2, 200).parts(64, runs.averageNanos(), 0, 2));
  }

  @Test
  void negativeSetting_namesItsProperty() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SplitRule.setting("planline.cpu.split-lead-micros", -5));
    assertEquals("planline.cpu.split-lead-micros must be 0 or more microseconds, got -5",
        e.getMessage());
    assertEquals(20, SplitRule.setting("planline.cpu.split-lead-micros", 20));
  }

  @Test
  void badArguments_refused() {
    assertThrows(IllegalArgumentException.class, () -> new SplitRule(0, 2, 200));
    assertThrows(IllegalArgumentException.class, () -> new SplitRule(2, -1, 200));
    assertThrows(IllegalArgumentException.class, () -> new SplitRule(2, 2, -1));
  }
}
