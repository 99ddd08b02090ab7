package io.planline.kernel;

/** Special functions the JDK lacks, accurate to well below float32 rounding. */
final class MathFns {

  private static final double SQRT_HALF = Math.sqrt(0.5);
  private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

  private MathFns() {}

  /**
   * The complementary error function, with fractional error below 1.2e-7 everywhere: the
   * Chebyshev-fitted form {@code t * exp(-z^2 + P(t))}, {@code t = 1 / (1 + z/2)}, given in
   * Press et al., Numerical Recipes, section 6.2. Relative (not absolute) accuracy in the tail is
   * what keeps GELU accurate for very negative inputs.
   */
  static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1.0 / (1.0 + 0.5 * z);
    double p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
        + t * (-0.82215223 + t * 0.17087277))))))));
    double r = t * Math.exp(-z * z + p);
    return x >= 0 ? r : 2.0 - r;
  }

  /** GELU with the exact normal CDF: {@code x * Phi(x) = x/2 * erfc(-x/sqrt 2)}. */
  static double gelu(double x) {
    return 0.5 * x * erfc(-x * SQRT_HALF);
  }

  /**
   * GELU's tanh approximation, as ATen defines it for {@code approximate='tanh'}:
   * {@code x/2 * (1 + tanh(u))}, computed through the identity {@code (1 + tanh(u))/2 =
   * 1/(1 + exp(-2u))}. Math.exp is a JIT intrinsic while Math.tanh runs the much slower fdlibm
   * code (half a GPT block's time went there), and the sigmoid form also avoids the cancellation
   * in {@code 1 + tanh(u)} for very negative inputs. Infinities and NaN give what ATen gives.
   */
  static double geluTanh(double x) {
    double u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
    return x / (1.0 + Math.exp(-2.0 * u));
  }
}
