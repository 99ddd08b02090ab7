package io.planline.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The format-version-3 test program with one strided weight
 * ({@code src/test/resources/programs/strided-weight.json}): y = relu(x @ w) with w [4, 3]
 * column-major (stride [1, 4]), stored in memory order, i.e. as the [3, 4] row-major matrix
 * w^T. A reader that ignored the stride would read w^T's bytes as a row-major w and get other
 * numbers.
 */
public final class StridedWeightProgram {

  /** program.json's text. */
  public static final String TEXT = read();

  /** The stored [3, 4] data of {@code fc.weight}: row j holds column j of w. */
  public static final float[] STORED = {1, 2, 3, 4, -1, -2, -3, -4, 0.5f, 0, 0, 0.25f};

  private StridedWeightProgram() {}

  private static String read() {
    try (InputStream in = StridedWeightProgram.class.getResourceAsStream(
        "/programs/strided-weight.json")) {
      if (in == null) {
        throw new IllegalStateException("programs/strided-weight.json is not on the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
