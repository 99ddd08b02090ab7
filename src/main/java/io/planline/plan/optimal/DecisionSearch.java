package io.planline.plan.optimal;

/** One run of a search that decides whether a problem fits under a capacity. */
interface DecisionSearch {

  /** Runs the search once. */
  BranchAndBound.Outcome run();

  /** Search nodes visited. */
  long nodes();

  /** The placement found; valid only after {@link #run} returned {@code FITS}. */
  long[] solution();
}
