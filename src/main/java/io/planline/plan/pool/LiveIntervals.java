package io.planline.plan.pool;

import java.util.Arrays;
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

  /**
   * The union of {@code parts}, merged: pairwise merges of the sorted parts, in rounds, so
   * O(m log k) for m intervals in k parts. The split tree recomputes the union along the path of
   * every allocation, so this is the planner's inner loop (boxing each interval and sorting them
   * all made resnet50.csv's 1,042 buffers take ~60 ms).
   */
  static LiveIntervals union(List<LiveIntervals> parts) {
    if (parts.isEmpty()) {
      return EMPTY;
    }
    LiveIntervals[] round = parts.toArray(LiveIntervals[]::new);
    int k = round.length;
    if (k == 1) {
      return merge(round[0], EMPTY);
    }
    while (k > 1) {
      int next = 0;
      for (int i = 0; i < k; i += 2) {
        round[next++] = i + 1 < k ? merge(round[i], round[i + 1]) : round[i];
      }
      k = next;
    }
    return round[0];
  }

  /** The union of two sorted, merged sets, merged (touching intervals join). */
  private static LiveIntervals merge(LiveIntervals x, LiveIntervals y) {
    int total = x.begins.length + y.begins.length;
    long[] b = new long[total];
    long[] e = new long[total];
    int n = 0;
    int i = 0;
    int j = 0;
    while (i < x.begins.length || j < y.begins.length) {
      boolean fromX = j >= y.begins.length
          || (i < x.begins.length && x.begins[i] <= y.begins[j]);
      long begin = fromX ? x.begins[i] : y.begins[j];
      long end = fromX ? x.ends[i++] : y.ends[j++];
      if (n > 0 && e[n - 1] >= begin) {
        e[n - 1] = Math.max(e[n - 1], end);
      } else {
        b[n] = begin;
        e[n] = end;
        n++;
      }
    }
    return n == total ? new LiveIntervals(b, e)
        : new LiveIntervals(Arrays.copyOf(b, n), Arrays.copyOf(e, n));
  }

  /**
   * {@code union(List.of(this, one))} for a set {@code one} of a single interval, by binary
   * search and array copies: the intervals it touches or overlaps (a contiguous run, since this
   * set is sorted and merged) join it, the others are copied around it.
   */
  LiveIntervals with(LiveIntervals one) {
    if (one.begins.length != 1) {
      return union(List.of(this, one));
    }
    long begin = one.begins[0];
    long end = one.ends[0];
    int n = begins.length;
    int lo = firstEndAtLeast(begin);
    int hi = lo;
    while (hi < n && begins[hi] <= end) {
      hi++;
    }
    if (lo < hi) {
      begin = Math.min(begin, begins[lo]);
      end = Math.max(end, ends[hi - 1]);
    }
    int size = n - (hi - lo) + 1;
    long[] b = new long[size];
    long[] e = new long[size];
    System.arraycopy(begins, 0, b, 0, lo);
    System.arraycopy(ends, 0, e, 0, lo);
    b[lo] = begin;
    e[lo] = end;
    System.arraycopy(begins, hi, b, lo + 1, n - hi);
    System.arraycopy(ends, hi, e, lo + 1, n - hi);
    return new LiveIntervals(b, e);
  }

  /** Whether some time lies in both sets (Inductor's {@code LiveRanges.overlaps}). */
  boolean overlaps(LiveIntervals other) {
    // A block being placed is one interval, tested against every child on its way down the
    // tree: a binary search instead of a walk through the child's intervals.
    if (other.begins.length == 1) {
      return overlaps(other.begins[0], other.ends[0]);
    }
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

  /**
   * {@code overlaps(of(begin, end))}, found by binary search: the walk above stops at the first
   * interval ending after {@code begin}, which overlaps when it covers {@code begin} or starts
   * before {@code end}. Ends are sorted, as the intervals are disjoint.
   */
  private boolean overlaps(long begin, long end) {
    int first = firstEndAtLeast(begin + 1);
    return first < ends.length && (begins[first] < end || begins[first] <= begin);
  }

  /** The first interval whose end is at least {@code t} (ends are sorted, the intervals disjoint). */
  private int firstEndAtLeast(long t) {
    int lo = 0;
    int hi = ends.length;
    while (lo < hi) {
      int m = (lo + hi) >>> 1;
      if (ends[m] >= t) {
        hi = m;
      } else {
        lo = m + 1;
      }
    }
    return lo;
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
