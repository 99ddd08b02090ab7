package io.planline.plan.arena;

import static java.util.Objects.requireNonNull;

import io.planline.plan.OffsetProblem;

/**
 * What a placement algorithm returns: one offset per buffer of an {@link OffsetProblem} and the
 * resulting height, plus whether the height is proven minimal.
 */
public final class Packing {

  private final long[] offsets;
  private final long height;
  private final boolean provenOptimal;

  /**
   * A packing of {@code problem} at {@code offsets}.
   *
   * <p>Requires: one non-negative offset per buffer.
   */
  public Packing(OffsetProblem problem, long[] offsets, boolean provenOptimal) {
    requireNonNull(problem, "problem");
    requireNonNull(offsets, "offsets");
    if (offsets.length != problem.size()) {
      throw new IllegalArgumentException(String.format("%d offsets for %d buffers",
          offsets.length, problem.size()));
    }
    this.offsets = offsets.clone();
    this.height = problem.height(offsets);
    this.provenOptimal = provenOptimal;
  }

  /** A copy of the offsets, indexed like the problem's buffers. */
  public long[] offsets() {
    return offsets.clone();
  }

  /** Offset of buffer {@code i}. */
  public long offset(int i) {
    return offsets[i];
  }

  /** The highest end of any buffer. */
  public long height() {
    return height;
  }

  /** Whether no placement of the problem is lower (by the lower bound or a completed search). */
  public boolean provenOptimal() {
    return provenOptimal;
  }

  /** The same offsets, marked proven optimal or not. */
  public Packing withProvenOptimal(OffsetProblem problem, boolean proven) {
    return new Packing(problem, offsets, proven);
  }

  @Override
  public String toString() {
    return "Packing[height " + height + (provenOptimal ? ", optimal]" : "]");
  }
}
