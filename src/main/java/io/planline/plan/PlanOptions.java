package io.planline.plan;

import static java.util.Objects.requireNonNull;

/**
 * Knobs every planner receives; each uses the ones that concern it.
 *
 * @param alignment byte alignment of offsets and sizes (Inductor's {@code ALIGN_BYTES} is 64)
 * @param budgetMillis how long a search-based planner may run before returning its best
 * @param capacityBytes for the decision question "does it fit in this many bytes", or 0 for none
 * @param progress where a long search reports how it stands ({@link SearchProgress#NONE}: nowhere)
 */
public record PlanOptions(int alignment, long budgetMillis, long capacityBytes,
    SearchProgress progress) {

  /** Inductor's allocation alignment. */
  public static final int ALIGN_BYTES = 64;

  public static final PlanOptions DEFAULT = new PlanOptions(ALIGN_BYTES, 1_000, 0);

  public PlanOptions {
    requireNonNull(progress, "progress");
    if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
      throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
    }
    if (budgetMillis < 0) {
      throw new IllegalArgumentException("budget must be ≥ 0 ms, got " + budgetMillis);
    }
    if (capacityBytes < 0) {
      throw new IllegalArgumentException("capacity must be ≥ 0 bytes, got " + capacityBytes);
    }
  }

  /** Options that report no progress. */
  public PlanOptions(int alignment, long budgetMillis, long capacityBytes) {
    this(alignment, budgetMillis, capacityBytes, SearchProgress.NONE);
  }

  public PlanOptions withAlignment(int a) {
    return new PlanOptions(a, budgetMillis, capacityBytes, progress);
  }

  public PlanOptions withBudgetMillis(long b) {
    return new PlanOptions(alignment, b, capacityBytes, progress);
  }

  public PlanOptions withCapacityBytes(long c) {
    return new PlanOptions(alignment, budgetMillis, c, progress);
  }

  public PlanOptions withProgress(SearchProgress p) {
    return new PlanOptions(alignment, budgetMillis, capacityBytes, p);
  }
}
