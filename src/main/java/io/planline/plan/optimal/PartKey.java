package io.planline.plan.optimal;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The exact state of an independent piece of the search: its sections, the monotone floor, its
 * unplaced buffers and their floors. Two pieces with equal keys have the same answer.
 */
final class PartKey {

  private final long[] content;
  private final int hash;

  private PartKey(long[] content) {
    this.content = content;
    this.hash = Arrays.hashCode(content);
  }

  static PartKey of(int from, int to, long floor, int[] ids, long[] minOffset) {
    long[] c = new long[3 + 2 * ids.length];
    c[0] = from;
    c[1] = to;
    c[2] = floor;
    for (int k = 0; k < ids.length; k++) {
      c[3 + 2 * k] = ids[k];
      c[4 + 2 * k] = minOffset[ids[k]];
    }
    return new PartKey(c);
  }

  /** A key over arbitrary content (the caller keeps the layout unambiguous). */
  static PartKey of(long[] content) {
    return new PartKey(content.clone());
  }

  /** Longs held by the key. */
  int length() {
    return content.length;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof PartKey k && Arrays.equals(content, k.content);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
