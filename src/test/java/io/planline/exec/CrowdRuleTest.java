package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

final class CrowdRuleTest {

  /** A request makes a crowd exactly when it and those running reach the crowd's size. */
  @Property
  void crowded_exactlyFromTheCrowdsSize(@ForAll @IntRange(min = 1, max = 64) int crowd,
      @ForAll @IntRange(max = 100) int others) {
    assertEquals(others + 1 >= crowd, new CrowdRule(crowd).crowded(others));
  }

  @Test
  void defaultCrowd_isHalfTheCores_atLeastTwo() {
    assertFalse(CrowdRule.forCores(1).crowded(0), "a request alone never makes a crowd");
    assertTrue(CrowdRule.forCores(1).crowded(1));
    assertTrue(CrowdRule.forCores(2).crowded(1));
    assertFalse(CrowdRule.forCores(16).crowded(6));
    assertTrue(CrowdRule.forCores(16).crowded(7));
  }

  @Test
  void zero_turnsTheRuleOff_negativeIsRefused() {
    assertFalse(new CrowdRule(0).crowded(1_000));
    assertThrows(IllegalArgumentException.class, () -> new CrowdRule(-1));
  }
}
