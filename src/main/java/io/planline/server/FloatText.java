package io.planline.server;

import java.math.BigInteger;

/**
 * The shortest decimal text of a float32 that reads back as the same float, in the form Java's
 * {@code Float.toString} (JDK 19 and later) and Jackson's fast writer print it ({@code 0.1},
 * {@code 1.0E7}, {@code 9.999999E-4}), written straight into a byte array as ASCII: the response's
 * UTF-8 bytes, with no char to byte conversion on the way.
 *
 * <p>Why: a JSON response of model outputs is mostly floats, and Jackson's writer made a
 * {@code String} per value (about 75-90 ns each on the build machine, so 1.2-1.5 ms for
 * tiny-gpt's 16,384 logits, docs/benchmarks.md). This covers the floats models produce, normal
 * values with binary exponent in [{@value #Q_MIN}, {@value #Q_MAX}] (magnitudes from about
 * 1.2e-10 to 1.8e19) and zeros, and says it did not ({@code -1}) for the rest, which the caller
 * leaves to Jackson.
 *
 * <p>How: a float is {@code c * 2^q} with a 24-bit {@code c}; the decimals that read back as it
 * lie within half a unit in the last place around it. With {@code k} chosen so that the interval
 * scaled by {@code 10^-k} is between 1 and 10 wide, the shortest decimal in it is either the one
 * multiple of 10 it may hold, or else one of the two integers around the scaled value (the
 * nearer when both lie in it; the even one on a tie): Giulietti's Schubfach argument. The
 * scaled bounds are computed here exactly, as quotient and remainder of one division by a power
 * of two or of ten in at most 128 bits, instead of the paper's rounded multiplications, which is
 * why the exponent range is bounded. Checked against Jackson on every float of the range
 * ({@code FloatTextExhaustive} in the tests).
 */
final class FloatText {

  /** Characters the longest value takes ({@code -1.17549435E-38}). */
  static final int MAX_CHARS = 15;
  static final int Q_MIN = -56;
  static final int Q_MAX = 40;
  /** {@code floor(log10(2^q))} for q in [Q_MIN, Q_MAX]. */
  private static final int[] K = new int[Q_MAX - Q_MIN + 1];
  /** {@code floor(log10(3 * 2^(q-2)))}: the narrower interval below a power of two. */
  private static final int[] K_BELOW_POWER = new int[Q_MAX - Q_MIN + 1];
  private static final long[] POW10 = new long[19];
  /** "00", "01", ..., "99" back to back. */
  private static final byte[] PAIRS = new byte[200];

  static {
    for (int i = 0; i < 100; i++) {
      PAIRS[2 * i] = (byte) ('0' + i / 10);
      PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
    }
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = BigInteger.TEN.pow(i).longValueExact();
    }
    for (int q = Q_MIN; q <= Q_MAX; q++) {
      K[q - Q_MIN] = floorLog10(BigInteger.ONE, q);
      K_BELOW_POWER[q - Q_MIN] = floorLog10(BigInteger.valueOf(3), q - 2);
    }
  }

  private FloatText() {}

  /**
   * Writes {@code v} at {@code out[at]} (room for {@link #MAX_CHARS} needed) and returns the
   * index after it, or -1, having written nothing, when {@code v} is outside the range covered.
   */
  static int write(float v, byte[] out, int at) {
    int bits = Float.floatToRawIntBits(v);
    int biased = (bits >>> 23) & 0xff;
    int fraction = bits & 0x7fffff;
    int q = biased - 150;
    boolean zero = biased == 0 && fraction == 0;
    if (!zero && (biased == 0 || q < Q_MIN || q > Q_MAX)) {
      return -1; // subnormal, tiny, huge, infinite or NaN
    }
    if (bits < 0) {
      out[at++] = '-';
    }
    if (zero) {
      out[at] = '0';
      out[at + 1] = '.';
      out[at + 2] = '0';
      return at + 3;
    }
    long c = fraction | 0x800000;
    boolean belowPower = fraction == 0; // the next float down is half as far away
    int k = belowPower ? K_BELOW_POWER[q - Q_MIN] : K[q - Q_MIN];
    long cb = 4 * c; // v, its lower and upper bound in quarter units of 2^q
    long lower = belowPower ? cb - 1 : cb - 2;
    long upper = cb + 2;
    boolean closed = (c & 1) == 0; // a bound reads back as v when v's significand is even
    // each point x * 2^(q-2) scaled by 10^-k, as the quotient and remainder of an exact
    // division: (x * 10^-k) / 2^(2-q) when q <= 1 (then k <= 0), (x * 2^(q-2)) / 10^k else
    int shift = 2 - q;
    long ten = POW10[Math.abs(k)];
    long lowFloor;
    long upFloor;
    long vFloor;
    boolean lowExact;
    boolean upExact;
    int vHalf; // the sign of v's remainder minus half the divisor
    if (shift > 0) {
      long mask = (1L << shift) - 1;
      lowFloor = quotient(lower, ten, shift);
      lowExact = (lower * ten & mask) == 0;
      upFloor = quotient(upper, ten, shift);
      upExact = (upper * ten & mask) == 0;
      vFloor = quotient(cb, ten, shift);
      vHalf = Long.compare(cb * ten & mask, 1L << (shift - 1));
    } else {
      lowFloor = Long.divideUnsigned(lower << -shift, ten);
      lowExact = Long.remainderUnsigned(lower << -shift, ten) == 0;
      upFloor = Long.divideUnsigned(upper << -shift, ten);
      upExact = Long.remainderUnsigned(upper << -shift, ten) == 0;
      vFloor = Long.divideUnsigned(cb << -shift, ten);
      vHalf = Long.compare(2 * Long.remainderUnsigned(cb << -shift, ten), ten);
    }
    // the integers that read back as v: from least to most
    long least = lowExact && closed ? lowFloor : lowFloor + 1;
    long most = upExact && !closed ? upFloor - 1 : upFloor;
    long down10 = vFloor - vFloor % 10;
    boolean downIn = down10 >= least;
    boolean upIn = down10 + 10 <= most;
    long digits;
    if (downIn != upIn) { // one decimal shorter than the others
      digits = downIn ? down10 : down10 + 10;
    } else {
      boolean floorIn = vFloor >= least;
      boolean ceilIn = vFloor + 1 <= most;
      if (floorIn != ceilIn) {
        digits = floorIn ? vFloor : vFloor + 1;
      } else { // both: the nearer to v, the even one on a tie
        digits = vHalf < 0 || vHalf == 0 && (vFloor & 1) == 0 ? vFloor : vFloor + 1;
      }
    }
    return text((int) digits, k, out, at);
  }

  /** {@code floor(x * ten / 2^shift)} for x below 2^27, ten below 2^63, shift in 1..63. */
  private static long quotient(long x, long ten, int shift) {
    return Math.multiplyHigh(x, ten) << (64 - shift) | (x * ten) >>> shift;
  }

  /** {@code digits * 10^e} in Java's form: plain from 10^-3 up to 10^7, else scientific. */
  private static int text(int digits, int e, byte[] out, int at) {
    while (digits % 10 == 0) {
      digits /= 10;
      e++;
    }
    int len = 1;
    while (len < 10 && digits >= POW10[len]) {
      len++;
    }
    int exp = e + len - 1; // of the first digit
    if (exp >= -3 && exp < 7) {
      if (exp < 0) { // 0.00ddd
        out[at++] = '0';
        out[at++] = '.';
        for (int i = -1; i > exp; i--) {
          out[at++] = '0';
        }
        return digits(digits, out, at, len);
      }
      if (len <= exp + 1) { // ddd00.0
        at = digits(digits, out, at, len);
        for (int i = len; i <= exp; i++) {
          out[at++] = '0';
        }
        out[at] = '.';
        out[at + 1] = '0';
        return at + 2;
      }
      // dd.ddd: the digits one place right, the point moved in after the integer part
      int end = digits(digits, out, at + 1, len);
      System.arraycopy(out, at + 1, out, at, exp + 1);
      out[at + exp + 1] = '.';
      return end;
    }
    at = digits(digits, out, at + 1, len); // d.dddEx: the first digit moved before the point
    int first = at - len;
    out[first - 1] = out[first];
    out[first] = '.';
    if (len == 1) {
      out[at++] = '0';
    }
    out[at++] = 'E';
    if (exp < 0) {
      out[at++] = '-';
      exp = -exp;
    }
    if (exp >= 10) {
      out[at++] = (byte) ('0' + exp / 10);
    }
    out[at++] = (byte) ('0' + exp % 10);
    return at;
  }

  /**
   * Writes the {@code len} decimal digits of {@code v} from {@code out[at]}, two at a time
   * (half the divisions); the index after.
   */
  private static int digits(int v, byte[] out, int at, int len) {
    int i = at + len;
    for (; i - at >= 2; v /= 100) {
      int pair = 2 * (v % 100);
      out[--i] = PAIRS[pair + 1];
      out[--i] = PAIRS[pair];
    }
    if (i > at) {
      out[--i] = (byte) ('0' + v);
    }
    return at + len;
  }

  /** The largest k with {@code 10^k <= m * 2^q}. */
  private static int floorLog10(BigInteger m, int q) {
    BigInteger num = q >= 0 ? m.shiftLeft(q) : m;
    BigInteger den = q >= 0 ? BigInteger.ONE : BigInteger.ONE.shiftLeft(-q);
    int k = 0;
    while (BigInteger.TEN.pow(Math.max(k, 0)).multiply(den).compareTo(
        num.multiply(BigInteger.TEN.pow(Math.max(-k, 0)))) > 0) {
      k--;
    }
    while (BigInteger.TEN.pow(Math.max(k + 1, 0)).multiply(den).compareTo(
        num.multiply(BigInteger.TEN.pow(Math.max(-k - 1, 0)))) <= 0) {
      k++;
    }
    return k;
  }
}
