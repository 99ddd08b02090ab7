package io.planline.server;

import com.fasterxml.jackson.core.io.schubfach.FloatToDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * float32 tensor data as JSON text formatted straight into a byte array: the text Jackson's fast
 * writer gives each value ({@link FloatText}, else Jackson's own formatter; NaN and the
 * infinities quoted, as its default {@code QUOTE_NON_NUMERIC_NUMBERS} writes them), separated by
 * commas. The response writer puts it in its chunk directly, where the generator took it as
 * chars and converted them to UTF-8 one by one (about a sixth of a JSON response's encoding
 * time for tiny-gpt's logits, docs/benchmarks.md).
 */
final class JsonFloats {

  /** The most bytes one value takes with its comma ({@code -1.17549435E-38,}). */
  static final int MAX_BYTES = FloatText.MAX_CHARS + 1;

  private static final byte[] NAN = quoted("NaN");
  private static final byte[] INFINITY = quoted("Infinity");
  private static final byte[] MINUS_INFINITY = quoted("-Infinity");

  private JsonFloats() {}

  /**
   * Writes {@code count} floats read from {@code b} (little-endian, from its position) at
   * {@code out[at]}, a comma before each but the first of the array ({@code first}: these start
   * it); the index after them.
   *
   * <p>Requires: room for {@code count * MAX_BYTES} bytes from {@code at}.
   */
  static int write(ByteBuffer b, long count, boolean first, byte[] out, int at) {
    for (long i = 0; i < count; i++) {
      float v = b.getFloat();
      if (i > 0 || !first) {
        out[at++] = ',';
      }
      int end = FloatText.write(v, out, at);
      if (end < 0) { // tiny, huge, subnormal, NaN or infinite: rare in model outputs
        byte[] text = Float.isNaN(v) ? NAN : v == Float.POSITIVE_INFINITY ? INFINITY
            : v == Float.NEGATIVE_INFINITY ? MINUS_INFINITY
            : FloatToDecimal.toString(v).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, out, at, text.length);
        end = at + text.length;
      }
      at = end;
    }
    return at;
  }

  private static byte[] quoted(String name) {
    return ("\"" + name + "\"").getBytes(StandardCharsets.US_ASCII);
  }
}
