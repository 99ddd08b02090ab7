package io.planline.server;

import com.fasterxml.jackson.core.io.schubfach.FloatToDecimal;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Checks {@link FloatText} against Jackson's {@code FloatToDecimal} on every positive float of
 * the range it covers (negative ones differ only by the sign): a one-off proof, too long for the
 * unit tests (814 million values, about a minute on two cores).
 *
 * <pre>java -cp target/test-classes:target/classes:CLASSPATH io.planline.server.FloatTextExhaustive</pre>
 */
public final class FloatTextExhaustive {

  private FloatTextExhaustive() {}

  public static void main(String[] args) {
    int from = (FloatText.Q_MIN + 150) << 23;
    int to = (FloatText.Q_MAX + 151) << 23; // exclusive
    AtomicLong checked = new AtomicLong();
    AtomicLong wrong = new AtomicLong();
    long start = System.nanoTime();
    IntStream.range(0, (to - from) >>> 16).parallel().forEach(block -> {
      byte[] out = new byte[FloatText.MAX_CHARS];
      for (int bits = from + (block << 16), end = bits + (1 << 16); bits < end; bits++) {
        float v = Float.intBitsToFloat(bits);
        int n = FloatText.write(v, out, 0);
        String expected = FloatToDecimal.toString(v);
        boolean same = n == expected.length();
        for (int i = 0; same && i < n; i++) {
          same = out[i] == expected.charAt(i);
        }
        if (!same) {
          if (wrong.incrementAndGet() <= 10) {
            System.out.printf("0x%08x: expected %s, got %s%n", bits, expected,
                n < 0 ? "none" : new String(out, 0, n, StandardCharsets.US_ASCII));
          }
        }
      }
      checked.addAndGet(1 << 16);
    });
    System.out.printf("%,d floats checked in %.0f s, %,d differ%n", checked.get(),
        (System.nanoTime() - start) / 1e9, wrong.get());
    System.exit(wrong.get() == 0 ? 0 : 1);
  }
}
