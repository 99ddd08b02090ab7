package io.planline.plan.optimal;

import org.jspecify.annotations.Nullable;

/**
 * The results of one {@link ExactSearch} decision's attempts, shared by its workers: the answer is
 * that of the lowest-numbered attempt that decided, so it does not depend on which worker got
 * there first.
 */
final class AttemptBoard {

  private volatile int decided = Integer.MAX_VALUE;
  private ExactSearch.@Nullable Decision decision;
  private @Nullable Throwable failure;

  /** Whether an attempt numbered below {@code attempt} has decided (it need not run on). */
  boolean decidedBelow(int attempt) {
    return decided < attempt;
  }

  /** Attempt {@code attempt} decided; kept if no lower-numbered attempt has. */
  synchronized void report(int attempt, BranchAndBound.Outcome outcome,
      long @Nullable [] offsets) {
    if (attempt < decided) {
      decided = attempt;
      decision = new ExactSearch.Decision(outcome, offsets);
    }
  }

  /** A worker failed: every attempt stops and {@link #answer} rethrows. */
  synchronized void fail(Throwable e) {
    failure = e;
    decided = -1;
  }

  /** Stops every attempt (the deciding thread was interrupted). */
  void cancel() {
    decided = -1;
  }

  /** The decision, or a worker's failure rethrown; "gave up" when no attempt decided. */
  synchronized ExactSearch.Decision answer() {
    if (failure instanceof RuntimeException e) {
      throw e;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    return decision != null ? decision
        : new ExactSearch.Decision(BranchAndBound.Outcome.GAVE_UP, null);
  }
}
