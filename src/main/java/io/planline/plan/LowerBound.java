package io.planline.plan;

import java.util.Arrays;
import java.util.List;

/**
 * The most bytes live at any one line: no placement of these ranges can use less memory.
 *
 * <p>Every memory figure planline reports sits next to this number (XLA's
 * {@code NoFragmentationStatsHeap}); fragmentation is planned bytes minus it.
 */
public final class LowerBound {

  private LowerBound() {}

  /** Peak of the sum of live sizes, each rounded up to {@code alignment} (1 for raw sizes). */
  public static long of(List<LiveRange> ranges, int alignment) {
    int n = ranges.size();
    // Events sorted by line; at equal lines allocations come first, because ranges are
    // inclusive at both ends and a storage freed at line i is still live there.
    long[] events = new long[2 * n];
    long[] sizes = new long[n];
    for (int k = 0; k < n; k++) {
      LiveRange r = ranges.get(k);
      sizes[k] = r.alignedBytes(alignment);
      events[2 * k] = encode(r.firstLine(), 0, k);
      events[2 * k + 1] = encode(r.lastLine(), 1, k);
    }
    Arrays.sort(events);
    long live = 0;
    long peak = 0;
    for (long e : events) {
      int k = (int) (e & 0x7fffffffL);
      if (((e >>> 31) & 1) == 0) {
        live += sizes[k];
        peak = Math.max(peak, live);
      } else {
        live -= sizes[k];
      }
    }
    return peak;
  }

  private static long encode(int line, int isFree, int index) {
    return ((long) line << 32) | ((long) isFree << 31) | index;
  }
}
