package io.planline.plan.arena;

import io.planline.plan.OffsetProblem;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs several greedy placers over several orders and keeps the lowest packing (XLA's
 * {@code ChooseBestHeapAlgorithm}), stopping as soon as one reaches a target height (normally the
 * lower bound, where nothing can be better). The order of the list puts first the passes that most
 * often reach the bound on real programs.
 */
public final class GreedyPortfolio {

  /** Above this many buffers the O(n²) gap placer is left out. */
  static final int GAP_PLACER_LIMIT = 6_000;

  /** One greedy pass: a placer and an order. */
  public record Pass(String name, boolean skyline, Preorder order, GapPlacer.Fit fit) {

    long[] run(OffsetProblem problem, Sections sections) {
      if (skyline) {
        return SkylinePlacer.place(problem, sections, order.ranks(problem, sections));
      }
      return GapPlacer.place(problem, order.order(problem, sections), fit);
    }
  }

  private GreedyPortfolio() {}

  /** The passes tried for a problem of {@code n} buffers, in order. */
  public static List<Pass> passes(int n) {
    List<Pass> passes = new ArrayList<>();
    if (n > GAP_PLACER_LIMIT) {
      // Large problems: the three skyline orders that did best on the idealloc traces.
      passes.add(skyline(Preorder.AREA));
      passes.add(skyline(Preorder.TOTAL_AREA));
      passes.add(skyline(Preorder.SIZE));
      return passes;
    }
    // Cheap hole-filling passes first (about a millisecond for a thousand buffers), then the
    // skyline passes, which cost more but reach the bound where hole filling does not.
    // Skyline by total area comes first of the skyline passes: it is the one that reaches the
    // bound on the real-model CSVs (resnet50: 1,042 buffers, reached at the fifth pass, ~16 ms of
    // thread CPU instead of ~130 ms for all thirteen) -- over the problem's own times, which is
    // why TimeSplit does not renumber them.
    passes.add(gap(Preorder.SIZE, GapPlacer.Fit.BEST));
    passes.add(gap(Preorder.SIZE, GapPlacer.Fit.FIRST));
    passes.add(gap(Preorder.LENGTH, GapPlacer.Fit.BEST));
    passes.add(gap(Preorder.CONFLICTS, GapPlacer.Fit.FIRST));
    passes.add(skyline(Preorder.TOTAL_AREA));
    passes.add(gap(Preorder.AREA, GapPlacer.Fit.BEST));
    passes.add(skyline(Preorder.AREA));
    passes.add(skyline(Preorder.SIZE));
    passes.add(skyline(Preorder.START));
    passes.add(skyline(Preorder.TOTAL_LENGTH_AREA));
    passes.add(skyline(Preorder.LENGTH));
    passes.add(skyline(Preorder.LENGTH_AREA_TOTAL));
    passes.add(skyline(Preorder.CONFLICTS));
    return passes;
  }

  /**
   * The lowest packing over all passes, or the first at or below {@code target}.
   *
   * <p>Requires: {@code problem} has at least one buffer.
   */
  public static Packing best(OffsetProblem problem, Sections sections, long target) {
    return best(problem, sections, target, new Effort());
  }

  /** As {@link #best(OffsetProblem, Sections, long)}, counting the passes run in {@code effort}. */
  public static Packing best(OffsetProblem problem, Sections sections, long target,
      Effort effort) {
    Packing best = null;
    for (Pass pass : passes(problem.size())) {
      effort.addGreedyPass();
      Packing p = new Packing(problem, pass.run(problem, sections), false);
      if (best == null || p.height() < best.height()) {
        best = p;
      }
      if (best.height() <= target) {
        break;
      }
    }
    return best;
  }

  /**
   * Extra pass number {@code k} for anytime improvement: the skyline placer over one of the large
   * problems' orders, shuffled locally (by up to a thousandth of the buffers) with seed {@code k}.
   */
  public static long[] shuffledPass(OffsetProblem problem, Sections sections, int k) {
    Preorder[] orders = {Preorder.AREA, Preorder.TOTAL_AREA, Preorder.SIZE};
    int[] rank = orders[k % orders.length].ranks(problem, sections);
    int window = Math.max(2, problem.size() / 1000);
    return SkylinePlacer.place(problem, sections, Preorder.shuffle(rank, k, window));
  }

  private static Pass gap(Preorder order, GapPlacer.Fit fit) {
    return new Pass("gap/" + order + "/" + fit, false, order, fit);
  }

  private static Pass skyline(Preorder order) {
    return new Pass("skyline/" + order, true, order, GapPlacer.Fit.BEST);
  }
}
