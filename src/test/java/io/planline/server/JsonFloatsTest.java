package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * float32 data formatted straight into bytes (the response writer's path) is the text Jackson's
 * fast writer gives value by value, across slices, with NaN, infinities and the values
 * {@link FloatText} leaves to Jackson's formatter.
 */
final class JsonFloatsTest {

  /** The data array as Jackson writes it, one writeNumber per value. */
  static String jackson(float[] v) throws Exception {
    StringWriter text = new StringWriter();
    try (var g = JsonCodecs.WRITER.createGenerator(text)) {
      g.writeStartArray();
      for (float x : v) {
        g.writeNumber(x);
      }
      g.writeEndArray();
    }
    return text.toString();
  }

  /** The data array through JsonFloats, in slices starting at {@code cuts}. */
  private static String ours(float[] v, int... cuts) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putFloat(x);
    }
    b.flip();
    byte[] out = new byte[2 + v.length * JsonFloats.MAX_BYTES];
    out[0] = '[';
    int at = 1;
    int from = 0;
    for (int i = 0; i <= cuts.length; i++) {
      int to = i < cuts.length ? cuts[i] : v.length;
      at = JsonFloats.write(b, to - from, from == 0, out, at);
      from = to;
    }
    out[at++] = ']';
    return new String(out, 0, at, StandardCharsets.US_ASCII);
  }

  @Test
  void write_specialsAndRandomAcrossSlices_sameTextAsJackson() throws Exception {
    float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f,
        Float.MIN_VALUE, -Float.MIN_NORMAL, Float.MAX_VALUE, 1e-20f, 3e30f, 0.1f, 1e7f};
    SplittableRandom r = new SplittableRandom(5);
    float[] v = new float[5000];
    for (int i = 0; i < v.length; i++) {
      v[i] = i % 50 < special.length ? special[i % 50] : (float) (r.nextGaussian() * 4);
    }
    assertEquals(jackson(v), ours(v, 1, 1234, 4096));
  }

  @Test
  void write_longestValues_fitMaxBytes() throws Exception {
    float[] v = {-1.17549435E-38f, -Float.MIN_VALUE, Float.NEGATIVE_INFINITY, -9.999999E-4f};
    String text = ours(v);
    assertEquals(jackson(v), text);
    assertEquals(JsonFloats.MAX_BYTES - 1, "-1.17549435E-38".length());
  }

  @Property
  void write_anyFloats_sameTextAsJackson(@ForAll @Size(max = 64) float[] v) throws Exception {
    assertEquals(jackson(v), ours(v, v.length / 2));
  }
}
