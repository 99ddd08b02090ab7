package io.planline.exec;

/**
 * When a request of compiled kernels on the CPU runs each native call on one thread
 * ({@code kernel/NativeCompute.oneThreadEach}) instead of splitting the large ones over the cores:
 * when it starts while enough other requests run that, one core each, they keep the cores busy.
 *
 * <p>A call split over the cores runs alone in the process, so requests that split their calls
 * take turns, call by call, and each parallel region wakes the other cores' OpenMP threads and
 * waits for the slowest. Requests whose calls stay on their own thread run side by side
 * instead. One request alone still splits (its latency is what counts then). ModelBench on the
 * 2-core build machine, requests/s with four in flight, this rule off and on, two rounds each
 * (docs/benchmarks.md, session 21): digits-cnn [64,1,8,8] 2,830-3,282 against 4,371-5,025,
 * tiny-gpt [8,64] 350-391 against 423-590. One at a time, every call on one thread was slower
 * (p50 0.35 against 0.28 ms, 3.06 against 2.49), hence no rule for a request alone.
 *
 * <p>The crowd is half the cores, at least two: on many cores a few requests that split their
 * large calls can still use more of the machine than as many single threads. {@code
 * -Dplanline.cpu.one-thread-crowd=N} sets it; 0 turns the rule off.
 */
final class CrowdRule {

  private static final int CROWD = Integer.getInteger("planline.cpu.one-thread-crowd", -1);

  private final int crowd;

  /** The rule for {@code cores} cores, or the one {@code -Dplanline.cpu.one-thread-crowd} sets. */
  static CrowdRule forCores(int cores) {
    return new CrowdRule(CROWD >= 0 ? CROWD : Math.max(2, cores / 2));
  }

  /** Requests run one thread per call once {@code crowd} run at once; 0: never. */
  CrowdRule(int crowd) {
    if (crowd < 0) {
      throw new IllegalArgumentException("crowd must be >= 0, got " + crowd);
    }
    this.crowd = crowd;
  }

  /** Requests running at once that make a crowd; 0: the rule is off. */
  int size() {
    return crowd;
  }

  /** Whether a request that starts while {@code others} run makes a crowd. */
  boolean crowded(int others) {
    return crowd > 0 && others + 1 >= crowd;
  }
}
