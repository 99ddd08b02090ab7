package io.planline.plan;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

/**
 * What a placement algorithm sees: buffers with a size and an inclusive time range, nothing else.
 *
 * <p>Buffer {@code i} is live at every time in {@code [first[i], last[i]]}; two buffers whose
 * ranges share a time must not overlap in memory. Sizes are in abstract units (the driver divides
 * byte sizes by the alignment, so every offset the algorithms produce is aligned). The arrays are
 * copied in and never handed out, so a problem is immutable.
 */
public final class OffsetProblem {

  private final long[] sizes;
  private final int[] first;
  private final int[] last;
  private final long lowerBound;

  /**
   * A problem over {@code sizes.length} buffers.
   *
   * <p>Requires: the three arrays have equal length; sizes ≥ 0; {@code first[i] <= last[i]}.
   */
  public OffsetProblem(long[] sizes, int[] first, int[] last) {
    requireNonNull(sizes, "sizes");
    requireNonNull(first, "first");
    requireNonNull(last, "last");
    if (sizes.length != first.length || sizes.length != last.length) {
      throw new IllegalArgumentException(String.format(
          "array lengths differ: %d sizes, %d firsts, %d lasts",
          sizes.length, first.length, last.length));
    }
    for (int i = 0; i < sizes.length; i++) {
      if (sizes[i] < 0) {
        throw new IllegalArgumentException(String.format("buffer %d: negative size %d", i,
            sizes[i]));
      }
      if (first[i] > last[i]) {
        throw new IllegalArgumentException(String.format("buffer %d: empty range [%d, %d]", i,
            first[i], last[i]));
      }
    }
    this.sizes = sizes.clone();
    this.first = first.clone();
    this.last = last.clone();
    this.lowerBound = computeLowerBound();
  }

  /** Number of buffers. */
  public int size() {
    return sizes.length;
  }

  /** Size of buffer {@code i}. */
  public long size(int i) {
    return sizes[i];
  }

  /** First time buffer {@code i} is live. */
  public int first(int i) {
    return first[i];
  }

  /** Last time buffer {@code i} is live (inclusive). */
  public int last(int i) {
    return last[i];
  }

  /** Whether buffers {@code i} and {@code j} are live at a common time. */
  public boolean overlapsInTime(int i, int j) {
    return first[i] <= last[j] && first[j] <= last[i];
  }

  /** The most units live at any one time: no placement is lower. */
  public long lowerBound() {
    return lowerBound;
  }

  /** The height of {@code offsets}: the highest end of any buffer, 0 for no buffers. */
  public long height(long[] offsets) {
    long h = 0;
    for (int i = 0; i < sizes.length; i++) {
      h = Math.max(h, offsets[i] + sizes[i]);
    }
    return h;
  }

  /** The sub-problem of the buffers {@code ids} (in that order). */
  public OffsetProblem subset(int[] ids) {
    long[] s = new long[ids.length];
    int[] f = new int[ids.length];
    int[] l = new int[ids.length];
    for (int k = 0; k < ids.length; k++) {
      s[k] = sizes[ids[k]];
      f[k] = first[ids[k]];
      l[k] = last[ids[k]];
    }
    return new OffsetProblem(s, f, l);
  }

  /**
   * The same buffers with time running backwards: a placement of one is a placement of the
   * other, but searches that sweep or break ties by time take other paths through it.
   */
  public OffsetProblem reversed() {
    int end = 0;
    for (int t : last) {
      end = Math.max(end, t);
    }
    int[] f = new int[sizes.length];
    int[] l = new int[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      f[i] = end - last[i];
      l[i] = end - first[i];
    }
    return new OffsetProblem(sizes, f, l);
  }

  /**
   * The same problem over the fewest times: starts not separated by an end share one time, and
   * an end takes the time of the last start before it. Two buffers overlap exactly when they did
   * before, and every section has a buffer starting in it, so a problem read from lines (one
   * allocation per line) and the same problem read from a buffer list search alike.
   */
  public OffsetProblem compressed() {
    int n = sizes.length;
    // Event keys: a start at t sorts as 2t, an end after t as 2t + 1; the buffer in the low bits.
    long[] events = new long[2 * n];
    for (int i = 0; i < n; i++) {
      events[2 * i] = ((2L * first[i]) << 32) | i;
      events[2 * i + 1] = ((2L * last[i] + 1) << 32) | i;
    }
    Arrays.sort(events);
    int[] f = new int[n];
    int[] l = new int[n];
    int time = -1;
    boolean afterEnd = true;
    for (long e : events) {
      int i = (int) (e & 0xffffffffL);
      if (((e >>> 32) & 1) == 0) {
        if (afterEnd) {
          time++;
          afterEnd = false;
        }
        f[i] = time;
      } else {
        l[i] = time;
        afterEnd = true;
      }
    }
    return new OffsetProblem(sizes, f, l);
  }

  private long computeLowerBound() {
    int n = sizes.length;
    // An end is encoded at last + 1 and sorts before a start at the same encoded time (flag bit
    // 0 for ends, 1 for starts): a buffer that ended at t - 1 is no longer live at t.
    long[] events = new long[2 * n];
    for (int i = 0; i < n; i++) {
      events[2 * i] = ((long) first[i] << 32) | (1L << 31) | i;
      events[2 * i + 1] = ((long) (last[i] + 1) << 32) | i;
    }
    Arrays.sort(events);
    long live = 0;
    long peak = 0;
    for (long e : events) {
      int i = (int) (e & 0x7fffffffL);
      if ((e & (1L << 31)) != 0) {
        live += sizes[i];
        peak = Math.max(peak, live);
      } else {
        live -= sizes[i];
      }
    }
    return peak;
  }

  @Override
  public String toString() {
    return "OffsetProblem[" + sizes.length + " buffers, lower bound " + lowerBound + "]";
  }
}
