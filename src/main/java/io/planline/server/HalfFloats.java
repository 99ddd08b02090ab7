package io.planline.server;

/**
 * Conversions between float32 and the two 16-bit float formats the protocol carries: IEEE 754
 * binary16 ({@code FP16}) and bfloat16 ({@code BF16}), rounding to nearest, ties to even. Java 17
 * has neither (binary16 arrived in Java 20).
 */
public final class HalfFloats {

  private HalfFloats() {}

  /** The binary16 value nearest {@code f} (overflow gives infinity; NaN stays NaN). */
  public static short floatToHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7f_ffff;
    if (exp == 0xff) {
      // Infinity, or NaN with the quiet bit set so a payload that shifts out cannot make it Inf.
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) {
      if (e < -10) {
        return (short) sign;
      }
      // Subnormal result: the significand with its implicit bit, scaled to units of 2^-24.
      int full = mant | 0x80_0000;
      int shift = 14 - e;
      return (short) (sign | roundShift(full, shift));
    }
    // A carry out of the mantissa correctly bumps the exponent (up to infinity).
    return (short) (sign | roundShift((e << 23) | mant, 13));
  }

  /** The float32 value of binary16 bits {@code h} (exact). */
  public static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f80_0000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  /** The bfloat16 value nearest {@code f} (NaN stays NaN). */
  public static short floatToBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    return (short) roundShift(bits, 16);
  }

  /** The float32 value of bfloat16 bits {@code b} (exact). */
  public static float bf16ToFloat(short b) {
    return Float.intBitsToFloat((b & 0xffff) << 16);
  }

  /** {@code value >>> shift}, rounded to nearest with ties to even. */
  private static int roundShift(int value, int shift) {
    int kept = value >>> shift;
    int rest = value & ((1 << shift) - 1);
    int half = 1 << (shift - 1);
    if (rest > half || (rest == half && (kept & 1) != 0)) {
      kept++;
    }
    return kept;
  }
}
