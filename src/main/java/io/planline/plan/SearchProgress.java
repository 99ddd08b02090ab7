package io.planline.plan;

import static java.util.Objects.requireNonNull;

/**
 * Progress of a long planning search, for a person watching it (issue 12: {@code plan} prints it
 * to stderr). A search reports after each of its steps and, while one step runs long, about once
 * a second; {@link #atMostEvery} thins that out to what a terminal should show.
 *
 * <p>Called on the planning thread; implementations must be quick and must not throw.
 */
@FunctionalInterface
public interface SearchProgress {

  /**
   * Where one search stands.
   *
   * @param source the graph being planned
   * @param device the device whose pool is being searched
   * @param bestBytes the lowest pool found so far
   * @param boundBytes no pool can be lower: the lower bound, raised by what the search has ruled
   *     out
   * @param elapsedMillis since the planner started on the graph
   */
  record Snapshot(String source, String device, long bestBytes, long boundBytes,
      long elapsedMillis) {}

  /** Reports nothing. */
  SearchProgress NONE = s -> { };

  /** Takes one snapshot. */
  void update(Snapshot snapshot);

  /**
   * Passes {@code target} at most one snapshot per {@code intervalMillis} of a search's elapsed
   * time, and none before the first interval has passed, so that short searches print nothing.
   * A new search (another graph or device, or elapsed time going back) starts afresh. The clock
   * is the snapshots' own elapsed time, so this needs none of its own.
   */
  static SearchProgress atMostEvery(long intervalMillis, SearchProgress target) {
    return new ThrottledProgress(intervalMillis, target);
  }
}

/** {@link SearchProgress#atMostEvery}. */
final class ThrottledProgress implements SearchProgress {

  private final long intervalMillis;
  private final SearchProgress target;
  private String run = "";
  private long last = -1;
  private long next;

  ThrottledProgress(long intervalMillis, SearchProgress target) {
    if (intervalMillis <= 0) {
      throw new IllegalArgumentException("interval must be > 0 ms, got " + intervalMillis);
    }
    this.intervalMillis = intervalMillis;
    this.target = requireNonNull(target, "target");
  }

  @Override
  public synchronized void update(Snapshot s) {
    String key = s.source() + '\0' + s.device();
    if (!key.equals(run) || s.elapsedMillis() < last) {
      run = key;
      next = intervalMillis;
    }
    last = s.elapsedMillis();
    if (s.elapsedMillis() >= next) {
      target.update(s);
      next = s.elapsedMillis() + intervalMillis;
    }
  }
}
