package io.planline.plan.arena;

import io.planline.plan.OffsetProblem;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Static buffer orders that greedy placers and the search follow (MiniMalloc's "preorderings",
 * XLA's spatial/temporal orders). Each key is compared in turn, larger first, then the buffer
 * index, so an order is a total order and every result is deterministic.
 */
public enum Preorder {
  /** Largest size first, then longest lifetime (TFLite's greedy by size). */
  SIZE(Key.SIZE, Key.LENGTH),
  /** Largest size × lifetime first. */
  AREA(Key.AREA, Key.SIZE),
  /** Longest lifetime first, then size (XLA's temporal order). */
  LENGTH(Key.LENGTH, Key.SIZE),
  /** Most other buffers overlapping in time first (TVM's greedy by conflicts). */
  CONFLICTS(Key.CONFLICTS, Key.SIZE),
  /** Largest section load over the lifetime first, then area (MiniMalloc's "TA"). */
  TOTAL_AREA(Key.TOTAL, Key.AREA),
  /** Lifetime, area, section load (MiniMalloc's "WAT"). */
  LENGTH_AREA_TOTAL(Key.LENGTH, Key.AREA, Key.TOTAL),
  /** Section load, lifetime, area (MiniMalloc's "TWA"). */
  TOTAL_LENGTH_AREA(Key.TOTAL, Key.LENGTH, Key.AREA),
  /** Earliest start first, then size. */
  START(Key.EARLY, Key.SIZE);

  private enum Key { SIZE, AREA, LENGTH, CONFLICTS, TOTAL, EARLY }

  private final Key[] keys;

  Preorder(Key... keys) {
    this.keys = keys;
  }

  /** The buffers of {@code problem} in this order. */
  public int[] order(OffsetProblem problem, Sections sections) {
    int n = problem.size();
    long[][] values = new long[keys.length][];
    for (int k = 0; k < keys.length; k++) {
      values[k] = values(keys[k], problem, sections);
    }
    Comparator<Integer> cmp = (a, b) -> {
      for (long[] v : values) {
        int c = Long.compare(v[b], v[a]);
        if (c != 0) {
          return c;
        }
      }
      return Integer.compare(a, b);
    };
    Integer[] boxed = new Integer[n];
    for (int i = 0; i < n; i++) {
      boxed[i] = i;
    }
    Arrays.sort(boxed, cmp);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = boxed[i];
    }
    return order;
  }

  /** The rank of each buffer in {@link #order} (0 = first). */
  public int[] ranks(OffsetProblem problem, Sections sections) {
    int[] order = order(problem, sections);
    int[] rank = new int[order.length];
    for (int r = 0; r < order.length; r++) {
      rank[order[r]] = r;
    }
    return rank;
  }

  /**
   * {@code rank} locally shuffled: every buffer moves by a random amount below {@code window}
   * places (seeded, so reproducible). Search restarts and repeated greedy passes use it to vary a
   * good order without losing it.
   */
  public static int[] shuffle(int[] rank, long seed, int window) {
    int n = rank.length;
    java.util.Random rnd = new java.util.Random(seed);
    long[] keyed = new long[n];
    for (int i = 0; i < n; i++) {
      keyed[i] = ((long) (rank[i] + rnd.nextInt(window)) << 32) | i;
    }
    Arrays.sort(keyed);
    int[] result = new int[n];
    for (int r = 0; r < n; r++) {
      result[(int) keyed[r]] = r;
    }
    return result;
  }

  private static long[] values(Key key, OffsetProblem p, Sections sections) {
    int n = p.size();
    long[] v = new long[n];
    switch (key) {
      case SIZE -> {
        for (int i = 0; i < n; i++) {
          v[i] = p.size(i);
        }
      }
      case AREA -> {
        for (int i = 0; i < n; i++) {
          v[i] = saturatingProduct(p.size(i), (long) p.last(i) - p.first(i) + 1);
        }
      }
      case LENGTH -> {
        for (int i = 0; i < n; i++) {
          v[i] = (long) p.last(i) - p.first(i) + 1;
        }
      }
      case EARLY -> {
        for (int i = 0; i < n; i++) {
          v[i] = -(long) p.first(i);
        }
      }
      case CONFLICTS -> conflicts(p, v);
      case TOTAL -> {
        MaxSegmentTree tree = new MaxSegmentTree(sections.count());
        long[] load = sections.loads(p);
        for (int s = 0; s < load.length; s++) {
          tree.assign(s, s + 1, load[s]);
        }
        for (int i = 0; i < n; i++) {
          v[i] = tree.max(sections.lo(i), sections.hi(i));
        }
      }
    }
    return v;
  }

  /** How many other buffers each one overlaps in time (started by its end, not ended before). */
  private static void conflicts(OffsetProblem p, long[] out) {
    int n = p.size();
    int[] starts = new int[n];
    int[] ends = new int[n];
    for (int i = 0; i < n; i++) {
      starts[i] = p.first(i);
      ends[i] = p.last(i);
    }
    Arrays.sort(starts);
    Arrays.sort(ends);
    for (int i = 0; i < n; i++) {
      int startedBy = upperBound(starts, p.last(i));
      int endedBefore = lowerBound(ends, p.first(i));
      out[i] = startedBy - endedBefore - 1;
    }
  }

  private static int upperBound(int[] a, int key) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int m = (lo + hi) >>> 1;
      if (a[m] <= key) {
        lo = m + 1;
      } else {
        hi = m;
      }
    }
    return lo;
  }

  private static int lowerBound(int[] a, int key) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int m = (lo + hi) >>> 1;
      if (a[m] < key) {
        lo = m + 1;
      } else {
        hi = m;
      }
    }
    return lo;
  }

  private static long saturatingProduct(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    return (hi == 0 && lo >= 0) ? lo : Long.MAX_VALUE;
  }
}
