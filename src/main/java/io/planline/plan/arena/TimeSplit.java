package io.planline.plan.arena;

import io.planline.plan.OffsetProblem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Static decomposition of a problem into independent time sections.
 *
 * <p>Three rules, applied recursively: buffers of size 0 need no memory (offset 0); a buffer that
 * overlaps every other buffer of its group (one live over the group's whole span, say) can sit
 * at the bottom of the group's stack without loss (lift everything below it by its size); and
 * where no buffer crosses a point in time, the two sides share nothing and are solved apart. What
 * remains are {@link Component}s, each placed above a fixed base; the height is the largest base
 * plus component height. A component keeps the problem's own times: the greedy orders that weigh
 * lifetimes (area, length) were tuned on them, and renumbered times mislead them (resnet50.csv's
 * skyline pass by total area misses the bound by 0.4% over renumbered times and reaches it over
 * the original ones). Only the exact search renumbers ({@link OffsetProblem#compressed}).
 *
 * <pre>
 *   | b2 |   | c1 c2 |      component {b2} on base s, component {c1, c2} on base s
 *   |=========s=======|     s: live over the whole span, stacked at the bottom
 * </pre>
 */
public final class TimeSplit {

  /**
   * One independent piece: the buffers {@code ids} of the original problem, placed at
   * {@code base} + the offsets of a packing of {@code problem} (whose buffer k is ids[k]).
   */
  public record Component(int[] ids, long base, OffsetProblem problem) {}

  private final List<Component> components = new ArrayList<>();
  private final long[] fixed;

  private TimeSplit(OffsetProblem p) {
    fixed = new long[p.size()];
    int[] positive = new int[p.size()];
    int k = 0;
    for (int i = 0; i < p.size(); i++) {
      if (p.size(i) > 0) {
        positive[k++] = i;
      }
    }
    split(p, Arrays.copyOf(positive, k), 0);
  }

  /** Decomposes {@code problem}. */
  public static TimeSplit of(OffsetProblem problem) {
    return new TimeSplit(problem);
  }

  /** The independent components, in time order. */
  public List<Component> components() {
    return components;
  }

  /**
   * Offsets for the whole problem: the fixed ones (stacked and zero-size buffers) plus, for each
   * component, its base plus the matching packing's offsets.
   */
  public long[] assemble(List<long[]> componentOffsets) {
    long[] offsets = fixed.clone();
    for (int c = 0; c < components.size(); c++) {
      Component comp = components.get(c);
      long[] o = componentOffsets.get(c);
      for (int k = 0; k < comp.ids().length; k++) {
        offsets[comp.ids()[k]] = comp.base() + o[k];
      }
    }
    return offsets;
  }

  private void split(OffsetProblem p, int[] ids, long base) {
    if (ids.length == 0) {
      return;
    }
    Integer[] byStart = new Integer[ids.length];
    for (int k = 0; k < ids.length; k++) {
      byStart[k] = ids[k];
    }
    Arrays.sort(byStart, (a, b) -> p.first(a) != p.first(b)
        ? Integer.compare(p.first(a), p.first(b)) : Integer.compare(a, b));
    int groupStart = 0;
    int reach = Integer.MIN_VALUE;
    for (int k = 0; k <= byStart.length; k++) {
      if (k == byStart.length || (k > groupStart && p.first(byStart[k]) > reach)) {
        int[] group = new int[k - groupStart];
        for (int j = groupStart; j < k; j++) {
          group[j - groupStart] = byStart[j];
        }
        Arrays.sort(group);
        strip(p, group, base, k - groupStart == ids.length);
        groupStart = k;
      }
      if (k < byStart.length) {
        reach = k == groupStart ? p.last(byStart[k]) : Math.max(reach, p.last(byStart[k]));
      }
    }
  }

  /**
   * Stacks at the group's base the buffers that overlap every other buffer of the group (those
   * live over its whole span, and also those that start before every other ends and end after
   * every other starts); recurses on the rest if any were found.
   */
  private void strip(OffsetProblem p, int[] group, long base, boolean unsplit) {
    int minLast = Integer.MAX_VALUE;
    int maxFirst = Integer.MIN_VALUE;
    for (int b : group) {
      minLast = Math.min(minLast, p.last(b));
      maxFirst = Math.max(maxFirst, p.first(b));
    }
    int[] rest = new int[group.length];
    int r = 0;
    long top = base;
    for (int b : group) {
      if (p.first(b) <= minLast && p.last(b) >= maxFirst) {
        fixed[b] = top;
        top += p.size(b);
      } else {
        rest[r++] = b;
      }
    }
    int[] remaining = Arrays.copyOf(rest, r);
    if (top == base && unsplit) {
      components.add(new Component(remaining, base, p.subset(remaining)));
    } else {
      split(p, remaining, top);
    }
  }
}
