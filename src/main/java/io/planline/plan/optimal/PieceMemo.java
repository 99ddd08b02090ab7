package io.planline.plan.optimal;

import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the search learned about independent pieces: for an exact piece state ({@link PartKey}),
 * either that it cannot be completed (a nogood) or the offsets that completed it. Valid across
 * searches of one problem at one capacity, whatever their preorder. Holds at most
 * {@value #MAX_LONGS} longs of keys and offsets, then stops learning.
 */
final class PieceMemo {

  static final long MAX_LONGS = 4_000_000;

  /** A remembered outcome: {@code offsets} null means the piece does not fit. */
  record Entry(long @Nullable [] offsets) {}

  private final Map<PartKey, Entry> entries = new HashMap<>();
  private long longs;

  /** The remembered outcome of {@code key}, or null if none. */
  @Nullable Entry get(PartKey key) {
    return entries.get(key);
  }

  /**
   * The outcome of the piece {@code key} holding buffers {@code ids}: remembered, or found by
   * {@code search} (which writes the offsets it finds into {@code solution}) and then remembered
   * unless the search gave up. A remembered fit is copied into {@code solution}.
   */
  BranchAndBound.Outcome solve(PartKey key, int[] ids, long[] solution,
      java.util.function.Supplier<BranchAndBound.Outcome> search) {
    Entry entry = get(key);
    if (entry != null) {
      long[] known = entry.offsets();
      if (known == null) {
        return BranchAndBound.Outcome.DOES_NOT_FIT;
      }
      for (int k = 0; k < ids.length; k++) {
        solution[ids[k]] = known[k];
      }
      return BranchAndBound.Outcome.FITS;
    }
    BranchAndBound.Outcome r = search.get();
    if (r != BranchAndBound.Outcome.GAVE_UP) {
      long[] offsets = null;
      if (r == BranchAndBound.Outcome.FITS) {
        offsets = new long[ids.length];
        for (int k = 0; k < ids.length; k++) {
          offsets[k] = solution[ids[k]];
        }
      }
      put(key, offsets);
    }
    return r;
  }

  /** Remembers {@code offsets} (null: does not fit) for {@code key}, while there is room. */
  void put(PartKey key, long @Nullable [] offsets) {
    long cost = key.length() + (offsets == null ? 0 : offsets.length);
    if (longs + cost <= MAX_LONGS) {
      longs += cost;
      entries.put(key, new Entry(offsets));
    }
  }
}
