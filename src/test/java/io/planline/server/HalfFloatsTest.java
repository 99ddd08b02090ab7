package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.ShortRange;
import org.junit.jupiter.api.Test;

/** binary16 and bfloat16 conversions: exact round trips and nearest-even rounding. */
final class HalfFloatsTest {

  @Property
  void halfToFloatToHalf_everyNonNaN_roundTrips(@ForAll @ShortRange(min = Short.MIN_VALUE,
      max = Short.MAX_VALUE) short h) {
    float f = HalfFloats.halfToFloat(h);
    if (!Float.isNaN(f)) {
      assertEquals(h, HalfFloats.floatToHalf(f));
    }
  }

  @Property
  void bf16ToFloatToBf16_everyNonNaN_roundTrips(@ForAll short b) {
    float f = HalfFloats.bf16ToFloat(b);
    if (!Float.isNaN(f)) {
      assertEquals(b, HalfFloats.floatToBf16(f));
    }
  }

  @Property
  void floatToHalf_anyFloat_isANearestHalf(@ForAll float f) {
    if (Float.isNaN(f) || Math.abs(f) >= 65520f) {
      return;
    }
    float h = HalfFloats.halfToFloat(HalfFloats.floatToHalf(f));
    // No other half lies closer: check the two neighbours.
    short bits = HalfFloats.floatToHalf(f);
    for (int step : new int[] {-1, 1}) {
      float other = HalfFloats.halfToFloat((short) (bits + step));
      if (!Float.isNaN(other) && Math.signum(other) == Math.signum(h)) {
        assertTrue(Math.abs(other - f) >= Math.abs(h - f), f + " -> " + h + " but " + other);
      }
    }
  }

  @Test
  void floatToHalf_knownValues() {
    assertEquals((short) 0x3c00, HalfFloats.floatToHalf(1f));
    assertEquals((short) 0xc000, HalfFloats.floatToHalf(-2f));
    assertEquals((short) 0x7bff, HalfFloats.floatToHalf(65504f));
    assertEquals((short) 0x7c00, HalfFloats.floatToHalf(1e6f));
    assertEquals((short) 0x0001, HalfFloats.floatToHalf(0x1p-24f));
    assertEquals((short) 0x0000, HalfFloats.floatToHalf(0x1p-25f)); // a tie rounds to even 0
    assertEquals((short) 0x3c00, HalfFloats.floatToHalf(1f + 0x1p-11f)); // tie to even
    assertTrue(Float.isNaN(HalfFloats.halfToFloat(HalfFloats.floatToHalf(Float.NaN))));
  }

  @Test
  void floatToBf16_knownValues() {
    assertEquals((short) 0x3f80, HalfFloats.floatToBf16(1f));
    assertEquals((short) 0x4049, HalfFloats.floatToBf16(3.14159f));
    assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
  }
}
