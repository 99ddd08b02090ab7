package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.io.schubfach.FloatToDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link FloatText} prints every float it covers exactly as Jackson's fast writer (the text JSON
 * responses had before it) and Java 19's {@code Float.toString} do, and declines the rest.
 */
class FloatTextTest {

  private static String text(float v) {
    byte[] out = new byte[FloatText.MAX_CHARS];
    int end = FloatText.write(v, out, 0);
    return end < 0 ? null : new String(out, 0, end, java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static void same(float v) {
    String expected = FloatToDecimal.toString(v);
    assertEquals(expected, text(v), () -> "float bits 0x" + Integer.toHexString(
        Float.floatToRawIntBits(v)));
    assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(Float.parseFloat(
        expected)));
  }

  @Test
  void edgeCases_printAsJacksonDoes() {
    float[] values = {0f, -0f, 1f, -1f, 0.1f, 0.2f, 0.3f, 1e-3f, 9.999999e-4f, 1e7f, 9999999f,
        1.0000001e7f, 16777216f, 16777215f, 3.4e11f, 2e-10f, 123.456f, -7.5f, 0.5f,
        (float) Math.PI, (float) Math.E, 1.17549435e-10f, 6.0e18f, 1.8e19f, 100f, 1e6f};
    for (float v : values) {
      same(v);
    }
    for (int e = FloatText.Q_MIN + 150; e <= FloatText.Q_MAX + 150; e++) {
      for (int f : new int[] {0, 1, 2, 3, 0x7fffff, 0x7ffffe, 0x400000, 0x123456}) {
        same(Float.intBitsToFloat(e << 23 | f)); // powers of two and their neighbours
      }
    }
  }

  @Test
  void randomFloats_inRange_printAsJacksonDoes() {
    SplittableRandom r = new SplittableRandom(20261204);
    int covered = 0;
    for (int i = 0; i < 2_000_000; i++) {
      float v = i % 2 == 0 ? Float.intBitsToFloat(r.nextInt())
          : (float) (gaussian(r) * Math.pow(10, r.nextInt(-8, 9)));
      if (text(v) != null) {
        same(v);
        covered++;
      }
    }
    // every Gaussian-like value of a model output is covered; random bit patterns mostly not
    assertEquals(true, covered > 1_000_000, "covered " + covered);
  }

  /** A standard normal value (Box-Muller; SplittableRandom has no nextGaussian on Java 17). */
  private static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  @Test
  void outsideTheRange_isDeclined() {
    for (float v : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, 1e-11f, -2e19f}) {
      assertEquals(null, text(v), () -> "value " + v);
    }
  }
}
