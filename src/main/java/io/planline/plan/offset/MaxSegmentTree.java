package io.planline.plan.offset;

/**
 * Range maximum over section floors with "raise this range to v" updates, where v is at least the
 * range's current maximum (a placed buffer's top is above every floor it rests on), so a raise is
 * a plain assignment. Both operations take O(log n).
 */
final class MaxSegmentTree {

  private static final long NONE = -1;

  private final int leaves;
  private final long[] max;
  private final long[] pending;

  MaxSegmentTree(int n) {
    int size = 1;
    while (size < Math.max(1, n)) {
      size <<= 1;
    }
    leaves = size;
    max = new long[2 * size];
    pending = new long[2 * size];
    java.util.Arrays.fill(pending, NONE);
  }

  /** The maximum over sections {@code [from, to)}; 0 for an empty range. */
  long max(int from, int to) {
    return max(1, 0, leaves, from, to);
  }

  /** Sets sections {@code [from, to)} to {@code value}. */
  void assign(int from, int to, long value) {
    assign(1, 0, leaves, from, to, value);
  }

  private long max(int node, int a, int b, int from, int to) {
    if (to <= a || b <= from) {
      return 0;
    }
    if (from <= a && b <= to) {
      return max[node];
    }
    push(node);
    int m = (a + b) >>> 1;
    return Math.max(max(2 * node, a, m, from, to), max(2 * node + 1, m, b, from, to));
  }

  private void assign(int node, int a, int b, int from, int to, long value) {
    if (to <= a || b <= from) {
      return;
    }
    if (from <= a && b <= to) {
      max[node] = value;
      pending[node] = value;
      return;
    }
    push(node);
    int m = (a + b) >>> 1;
    assign(2 * node, a, m, from, to, value);
    assign(2 * node + 1, m, b, from, to, value);
    max[node] = Math.max(max[2 * node], max[2 * node + 1]);
  }

  private void push(int node) {
    long v = pending[node];
    if (v != NONE) {
      max[2 * node] = v;
      pending[2 * node] = v;
      max[2 * node + 1] = v;
      pending[2 * node + 1] = v;
      pending[node] = NONE;
    }
  }
}
