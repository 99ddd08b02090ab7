package io.planline.plan.arena;

/**
 * What one greedy portfolio spent, counted rather than timed so that tests can say what ran.
 * (The fallback stage's search nodes are counted by the stage itself.) Written by the solving
 * thread only.
 */
public final class Effort {

  private int greedyPasses;

  void addGreedyPass() {
    greedyPasses++;
  }

  /** Greedy passes run. */
  public int greedyPasses() {
    return greedyPasses;
  }
}
