package io.planline.plan.offset;

/**
 * What one solve spent, counted rather than timed so that tests can say what ran: greedy passes
 * and exact-search nodes. Written by the solving thread only.
 */
final class Effort {

  private int greedyPasses;
  private long searchNodes;

  void addGreedyPass() {
    greedyPasses++;
  }

  void addSearchNodes(long nodes) {
    searchNodes += nodes;
  }

  /** Greedy passes run. */
  int greedyPasses() {
    return greedyPasses;
  }

  /** Exact-search nodes visited, over every worker. */
  long searchNodes() {
    return searchNodes;
  }
}
