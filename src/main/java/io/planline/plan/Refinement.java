package io.planline.plan;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What an offset strategy leaves to {@link PlanDriver}'s fallback stage: the parts of its
 * decision that stayed above their target, and how to rebuild the decision from new placements
 * of them. The decision it comes with is already complete (every part at its incumbent), so a
 * driver without an {@link Improver} can use it as it is.
 *
 * @param parts the open parts, in the order {@code reassembly} takes their placements
 * @param deadlineNanos when the stage must stop ({@link System#nanoTime}), set by the strategy
 *     when it started deciding, so that its whole decision keeps one time limit
 * @param reassembly the decision with each part at the given placement
 */
public record Refinement(List<Improver.Part> parts, long deadlineNanos, Reassembly reassembly) {

  public Refinement {
    parts = List.copyOf(parts);
    requireNonNull(reassembly, "reassembly");
  }

  /** Rebuilds a strategy's decision from one placement per open part. */
  @FunctionalInterface
  public interface Reassembly {

    /** The decision with part {@code k} at {@code offsets.get(k)}. */
    Decision with(List<long[]> offsets);
  }
}
