package io.planline.testing;

import io.planline.io.CsvBufferReader;
import io.planline.ir.Graph;
import io.planline.plan.OffsetProblem;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.Random;

/** Hand-made and random instances for the offset tests, and an independent brute force. */
public final class Instances {

  private Instances() {}

  /** A one-graph program from CSV rows {@code id,lower,upper,size} (half-open lifetimes). */
  public static Graph csv(String... rows) {
    String text = "id,lower,upper,size\n" + String.join("\n", rows) + "\n";
    try {
      return CsvBufferReader.read("test.csv", new StringReader(text)).graphs().get(0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A problem from {size, first, last} triples. */
  public static OffsetProblem problem(long[]... buffers) {
    long[] s = new long[buffers.length];
    int[] f = new int[buffers.length];
    int[] l = new int[buffers.length];
    for (int i = 0; i < buffers.length; i++) {
      s[i] = buffers[i][0];
      f[i] = (int) buffers[i][1];
      l[i] = (int) buffers[i][2];
    }
    return new OffsetProblem(s, f, l);
  }

  /**
   * Small problems whose optimum is above their lower bound (found by a seeded random search
   * over 5 million short-lived instances; about one in a million is like this).
   */
  public static java.util.List<OffsetProblem> aboveTheirBound() {
    return java.util.List.of(
        problem(new long[] {1, 1, 3}, new long[] {4, 0, 1}, new long[] {3, 1, 2},
            new long[] {1, 2, 3}, new long[] {4, 3, 4}, new long[] {4, 4, 6}, new long[] {4, 0, 0}),
        problem(new long[] {2, 1, 1}, new long[] {3, 4, 5}, new long[] {2, 1, 3},
            new long[] {2, 3, 3}, new long[] {1, 0, 2}, new long[] {1, 2, 4}, new long[] {3, 0, 0}),
        problem(new long[] {2, 2, 3}, new long[] {4, 0, 1}, new long[] {2, 1, 2},
            new long[] {3, 4, 6}, new long[] {3, 0, 0}, new long[] {2, 1, 3}, new long[] {4, 3, 5}),
        problem(new long[] {3, 0, 1}, new long[] {2, 3, 4}, new long[] {4, 0, 0},
            new long[] {2, 2, 3}, new long[] {3, 1, 2}, new long[] {2, 1, 3}, new long[] {4, 4, 6},
            new long[] {2, 3, 4}),
        problem(new long[] {2, 1, 2}, new long[] {4, 0, 1}, new long[] {2, 1, 3},
            new long[] {2, 2, 3}, new long[] {4, 3, 5}, new long[] {4, 4, 5}, new long[] {1, 0, 1},
            new long[] {3, 0, 0}));
  }

  /** A random problem of {@code n} buffers, sizes in [1, maxSize], times in [0, horizon). */
  public static OffsetProblem random(Random rnd, int n, int maxSize, int horizon) {
    long[] s = new long[n];
    int[] f = new int[n];
    int[] l = new int[n];
    for (int i = 0; i < n; i++) {
      s[i] = 1 + rnd.nextInt(maxSize);
      int a = rnd.nextInt(horizon);
      int b = rnd.nextInt(horizon);
      f[i] = Math.min(a, b);
      l[i] = Math.max(a, b);
    }
    return new OffsetProblem(s, f, l);
  }

  /**
   * The minimum height, by trying every integer offset of every buffer in index order for each
   * height from the lower bound up. Shares no code with the planners; exponential, so keep
   * problems to about 8 small buffers.
   */
  public static long bruteForceOptimum(OffsetProblem p) {
    for (long h = p.lowerBound(); ; h++) {
      if (fits(p, h, new long[p.size()], 0)) {
        return h;
      }
    }
  }

  private static boolean fits(OffsetProblem p, long h, long[] off, int i) {
    if (i == p.size()) {
      return true;
    }
    for (long y = 0; y + p.size(i) <= h; y++) {
      boolean ok = true;
      for (int j = 0; j < i && ok; j++) {
        ok = !p.overlapsInTime(i, j) || y + p.size(i) <= off[j] || off[j] + p.size(j) <= y;
      }
      if (ok) {
        off[i] = y;
        if (fits(p, h, off, i + 1)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether {@code offsets} is a valid placement of {@code p}: non-negative, and no two buffers
   * live at a common time overlap in memory. Quadratic: the tests' oracle, independent of the
   * sweep the planners' verifier uses.
   */
  public static boolean isValid(OffsetProblem p, long[] offsets) {
    if (offsets.length != p.size()) {
      return false;
    }
    for (int i = 0; i < p.size(); i++) {
      if (offsets[i] < 0) {
        return false;
      }
      for (int j = i + 1; j < p.size(); j++) {
        if (p.overlapsInTime(i, j) && p.size(i) > 0 && p.size(j) > 0
            && offsets[i] < offsets[j] + p.size(j) && offsets[j] < offsets[i] + p.size(i)) {
          return false;
        }
      }
    }
    return true;
  }
}
