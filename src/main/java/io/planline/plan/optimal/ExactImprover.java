package io.planline.plan.optimal;

import io.planline.plan.Improver;
import io.planline.plan.OffsetProblem;

/**
 * The exact engine as the driver's fallback stage sees it: a decision ({@link ExactSearch}) at
 * the part's target, bounded by the part's node budget, starting fresh for every part. This is
 * the {@code offset} planner's short search, registered in
 * {@code META-INF/services/io.planline.plan.Improver}.
 */
public final class ExactImprover implements Improver {

  @Override
  public Result improve(Part part, long deadlineNanos) {
    OffsetProblem p = part.problem();
    if (p.size() > ExactSearch.SIZE_LIMIT || part.maxNodes() <= 0) {
      return Result.NONE;
    }
    ExactSearch search = new ExactSearch(p);
    ExactSearch.Decision d = search.decide(part.target(), part.maxNodes(), deadlineNanos);
    return new Result(d.offsets(), search.nodes());
  }
}
