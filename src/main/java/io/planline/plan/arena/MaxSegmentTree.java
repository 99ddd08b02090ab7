package io.planline.plan.arena;

/**
 * Range maximum over section floors with "raise this range to at least v" updates, both O(log n)
 * and without recursion: a bottom-up segment tree where {@code tag[p]} says every leaf under
 * {@code p} is at least that value and {@code max[p]} is the maximum under {@code p}.
 */
final class MaxSegmentTree {

  private final int leaves;
  private final long[] max;
  private final long[] tag;

  MaxSegmentTree(int n) {
    int size = 1;
    while (size < Math.max(1, n)) {
      size <<= 1;
    }
    leaves = size;
    max = new long[2 * size];
    tag = new long[2 * size];
  }

  /** The maximum over sections {@code [from, to)}; 0 for an empty range. */
  long max(int from, int to) {
    if (from >= to) {
      return 0;
    }
    long result = 0;
    int l = from + leaves;
    int r = to + leaves;
    int left = l;
    int right = r - 1;
    while (l < r) {
      if ((l & 1) == 1) {
        result = Math.max(result, max[l++]);
      }
      if ((r & 1) == 1) {
        result = Math.max(result, max[--r]);
      }
      l >>= 1;
      r >>= 1;
    }
    // Tags above the boundary leaves cover parts of the range that the loop did not visit.
    for (int p = left >> 1; p > 0; p >>= 1) {
      result = Math.max(result, tag[p]);
    }
    for (int p = right >> 1; p > 0; p >>= 1) {
      result = Math.max(result, tag[p]);
    }
    return result;
  }

  /** Raises sections {@code [from, to)} to at least {@code value}. */
  void assign(int from, int to, long value) {
    if (from >= to) {
      return;
    }
    int l = from + leaves;
    int r = to + leaves;
    int left = l;
    int right = r - 1;
    while (l < r) {
      if ((l & 1) == 1) {
        raise(l++, value);
      }
      if ((r & 1) == 1) {
        raise(--r, value);
      }
      l >>= 1;
      r >>= 1;
    }
    for (int p = left >> 1; p > 0; p >>= 1) {
      max[p] = Math.max(Math.max(max[2 * p], max[2 * p + 1]), tag[p]);
    }
    for (int p = right >> 1; p > 0; p >>= 1) {
      max[p] = Math.max(Math.max(max[2 * p], max[2 * p + 1]), tag[p]);
    }
  }

  private void raise(int node, long value) {
    max[node] = Math.max(max[node], value);
    tag[node] = Math.max(tag[node], value);
  }
}
