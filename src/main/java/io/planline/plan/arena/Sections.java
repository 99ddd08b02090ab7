package io.planline.plan.arena;

import static java.util.Objects.requireNonNull;

import io.planline.plan.OffsetProblem;
import java.util.Arrays;

/**
 * The problem's time axis cut into sections: maximal intervals in which no buffer starts or ends.
 *
 * <p>Buffer {@code i} covers the sections {@code [lo(i), hi(i))}; two buffers overlap in time
 * exactly when their section ranges intersect, and every buffer covering a section overlaps every
 * other one covering it. (MiniMalloc's "sweep" computes the same.)
 */
public final class Sections {

  private final int[] lo;
  private final int[] hi;
  private final int count;

  public Sections(OffsetProblem problem) {
    requireNonNull(problem, "problem");
    int n = problem.size();
    // Boundaries are starts and one-past-ends: a section never contains one of them inside.
    int[] points = new int[2 * n];
    for (int i = 0; i < n; i++) {
      points[2 * i] = problem.first(i);
      points[2 * i + 1] = problem.last(i) + 1;
    }
    Arrays.sort(points);
    int distinct = 0;
    for (int k = 0; k < points.length; k++) {
      if (k == 0 || points[k] != points[k - 1]) {
        points[distinct++] = points[k];
      }
    }
    int[] sorted = Arrays.copyOf(points, distinct);
    lo = new int[n];
    hi = new int[n];
    for (int i = 0; i < n; i++) {
      lo[i] = Arrays.binarySearch(sorted, problem.first(i));
      hi[i] = Arrays.binarySearch(sorted, problem.last(i) + 1);
    }
    count = Math.max(0, distinct - 1);
  }

  /** Number of sections. */
  public int count() {
    return count;
  }

  /** First section buffer {@code i} covers. */
  public int lo(int i) {
    return lo[i];
  }

  /** One past the last section buffer {@code i} covers. */
  public int hi(int i) {
    return hi[i];
  }

  /** Total size live in each section. */
  public long[] loads(OffsetProblem problem) {
    long[] diff = new long[count + 1];
    for (int i = 0; i < lo.length; i++) {
      diff[lo[i]] += problem.size(i);
      diff[hi[i]] -= problem.size(i);
    }
    long[] load = new long[count];
    long run = 0;
    for (int s = 0; s < count; s++) {
      run += diff[s];
      load[s] = run;
    }
    return load;
  }
}
