package io.planline.plan.pool;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A set of half-open time intervals {@code [begin, end)}, kept sorted and merged: Inductor's
 * {@code LiveRanges}, the live time of everything below a node of the split tree.
 *
 * <p>As in Inductor, intervals that touch ({@code a.end == b.begin}) merge, and two sets overlap
 * when some interval of one ends after an interval of the other begins while starting no later.
 */
final class LiveIntervals {

  static final LiveIntervals EMPTY = new LiveIntervals(new long[0], new long[0]);

  private final long[] begins;
  private final long[] ends;

  private LiveIntervals(long[] begins, long[] ends) {
    this.begins = begins;
    this.ends = ends;
  }

  /** One interval {@code [begin, end)}. Requires: {@code begin <= end}. */
  static LiveIntervals of(long begin, long end) {
    if (end < begin) {
      throw new IllegalArgumentException(
          "interval [" + begin + ", " + end + ") ends before it begins");
    }
    return new LiveIntervals(new long[] {begin}, new long[] {end});
  }

  /** The union of {@code parts}, merged. */
  static LiveIntervals union(List<LiveIntervals> parts) {
    List<long[]> all = new ArrayList<>();
    for (LiveIntervals p : parts) {
      for (int i = 0; i < p.begins.length; i++) {
        all.add(new long[] {p.begins[i], p.ends[i]});
      }
    }
    if (all.isEmpty()) {
      return EMPTY;
    }
    all.sort(Comparator.comparingLong(a -> a[0]));
    long[] b = new long[all.size()];
    long[] e = new long[all.size()];
    int n = 0;
    for (long[] r : all) {
      if (n > 0 && e[n - 1] >= r[0]) {
        e[n - 1] = Math.max(e[n - 1], r[1]);
      } else {
        b[n] = r[0];
        e[n] = r[1];
        n++;
      }
    }
    return new LiveIntervals(Arrays.copyOf(b, n), Arrays.copyOf(e, n));
  }

  /** Whether some time lies in both sets (Inductor's {@code LiveRanges.overlaps}). */
  boolean overlaps(LiveIntervals other) {
    int i = 0;
    int j = 0;
    while (i < begins.length && j < other.begins.length) {
      if (begins[i] <= other.begins[j]) {
        if (ends[i] > other.begins[j]) {
          return true;
        }
        i++;
      } else {
        if (other.ends[j] > begins[i]) {
          return true;
        }
        j++;
      }
    }
    return false;
  }

  /** Whether the set holds no interval. */
  boolean isEmpty() {
    return begins.length == 0;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < begins.length; i++) {
      sb.append(i == 0 ? "" : ", ").append('[').append(begins[i]).append(", ").append(ends[i])
          .append(')');
    }
    return sb.append(']').toString();
  }
}
