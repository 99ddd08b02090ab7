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

  @Test
  void badArguments_refused() {
    assertThrows(IllegalArgumentException.class, () -> new SplitRule(0, 2, 200));
    assertThrows(IllegalArgumentException.class, () -> new SplitRule(2, -1, 200));
    assertThrows(IllegalArgumentException.class, () -> new SplitRule(2, 2, -1));
  }
}
