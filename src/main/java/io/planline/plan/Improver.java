package io.planline.plan;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * The search behind {@link PlanDriver}'s fallback stage (XLA's
 * {@code HeapAlgorithmWithFallback}): given one part of an offset decision that its strategy
 * left above its target, it looks for a placement at or below the target within a budget.
 *
 * <p>Found through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.planline.plan.Improver}), so that a fast strategy can hand its
 * hard parts to an exact engine without either naming the other. With none registered, the
 * driver keeps the strategy's placements.
 *
 * <p>Implementations keep no state between calls, and their answer must depend only on the part
 * and the node budget unless the deadline cuts the search short.
 */
public interface Improver {

  /**
   * One part to improve, in the strategy's units (sizes divided by the alignment).
   *
   * @param problem the part's buffers
   * @param incumbent the strategy's placement of them, above {@code target}
   * @param target the height to reach: lower is not needed, higher is no improvement worth it
   * @param maxNodes the search nodes the strategy allows for this part (per search worker)
   */
  record Part(OffsetProblem problem, long[] incumbent, long target, long maxNodes) {

    public Part {
      requireNonNull(problem, "problem");
      if (incumbent.length != problem.size()) {
        throw new IllegalArgumentException(String.format("%d offsets for %d buffers",
            incumbent.length, problem.size()));
      }
      incumbent = incumbent.clone();
    }

    @Override
    public long[] incumbent() {
      return incumbent.clone();
    }
  }

  /**
   * What a search found.
   *
   * @param offsets a placement of the part at or below its target, or null where none was found
   *     (none exists, the budget ran out, or the part is beyond what the search takes on)
   * @param nodes search nodes visited, for the log line and for tests that count what ran
   */
  record Result(long @Nullable [] offsets, long nodes) {

    /** Nothing tried. */
    public static final Result NONE = new Result(null, 0);
  }

  /**
   * Searches for a placement of {@code part} at or below its target, stopping when one is found,
   * when none can exist, when {@code part.maxNodes()} are spent or at {@code deadlineNanos}
   * ({@link System#nanoTime}).
   */
  Result improve(Part part, long deadlineNanos);
}
