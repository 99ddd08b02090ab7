package io.planline.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The held-out rows of the 8×8 digits data set, by the split the built-in models were trained on:
 * rows numbered from 0 in file order, held out when {@code index % 5 == 0}.
 */
public final class Digits {

  private Digits() {}

  /** One image: 64 pixel values 0–16 and its label. */
  public record Row(float[] pixels, int label) {}

  /** The 360 held-out rows. */
  public static List<Row> heldOut() throws IOException {
    List<Row> rows = new ArrayList<>();
    var path = Shared.root().resolve("data/digits/digits.csv.gz");
    try (var in = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(path)), StandardCharsets.UTF_8))) {
      String line;
      int index = 0;
      while ((line = in.readLine()) != null) {
        if (line.isBlank() || !Character.isDigit(line.strip().charAt(0))) {
          continue; // a header line, if any
        }
        if (index++ % 5 != 0) {
          continue;
        }
        String[] f = line.strip().split(",");
        float[] px = new float[64];
        for (int i = 0; i < 64; i++) {
          px[i] = Float.parseFloat(f[i]);
        }
        rows.add(new Row(px, (int) Float.parseFloat(f[64])));
      }
    }
    return rows;
  }
}
