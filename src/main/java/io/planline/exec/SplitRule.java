package io.planline.exec;

/**
 * When a request of compiled kernels on the CPU runs as parts along its batch dimension, side by
 * side, one part per core and one thread per native call, instead of as one run whose large
 * calls split over the cores: when it would run alone (no other request running or waiting),
 * its program's runs took at least {@code planline.cpu.split-above-micros} (default 200 µs; 0
 * turns splitting off), and it has rows enough for a part per core, or at least for a crowd
 * ({@link CrowdRule}). It takes one part per core, fewer where it has fewer rows, or where a part
 * would get less than half the limit's worth of the whole's time.
 *
 * <p>Why: a call split over the cores wakes the other cores' OpenMP threads and waits for the
 * slowest at its end, and each core works on a slice of an activation the previous call left in
 * another core's cache. Parts of the batch keep their own rows on their own core from the first
 * call to the last, and meet once, at the end. On the 2-core build machine, digits-cnn
 * [32,1,8,8] on one thread took 0.165 ms against [64,1,8,8] on both 0.326 ms, and tiny-gpt [4,64]
 * on one thread 1.93 ms against [8,64] on both 2.52 ms ({@code run --profile}); split, ModelBench
 * one request at a time: digits-cnn [64] p50 0.32-0.33 → 0.20 ms, tiny-gpt [8,64] 2.48-2.67 →
 * 1.78-1.94 ms, ResNet-50 [8] 200 → 181 ms in one run each (session 22, docs/benchmarks.md).
 *
 * <p>Below the time limit the parts' hand-overs to the stream threads cost more than they save
 * (a hand-over is about 20 µs there, {@link InlineRuns}); the last part runs on the caller's
 * thread where that thread may wait ({@link RunAs#LAST_PART}). Under load the crowd rule already keeps
 * every core busy with a request of its own, so a request that does not run alone is not split.
 */
final class SplitRule {

  static final long DEFAULT_ABOVE_MICROS = Long.getLong("planline.cpu.split-above-micros", 200);

  /** Never splits. */
  static final SplitRule OFF = new SplitRule(1, 0, 0);

  private final int cores;
  private final int crowd;
  private final long aboveNanos;

  /**
   * The rule on {@code cores} cores for programs whose runs took at least {@code aboveMicros}
   * (0: never split), with parts at least a crowd of {@code crowd} (and at least two).
   */
  SplitRule(int cores, int crowd, long aboveMicros) {
    if (cores < 1 || crowd < 0 || aboveMicros < 0) {
      throw new IllegalArgumentException("cores must be >= 1, crowd and micros >= 0; got "
          + cores + ", " + crowd + ", " + aboveMicros);
    }
    this.cores = cores;
    this.crowd = Math.max(2, crowd);
    this.aboveNanos = aboveMicros * 1_000;
  }

  /** The rule for this machine's cores and crowd, and the time limit the property sets. */
  static SplitRule forCores(int cores) {
    return new SplitRule(cores, CrowdRule.forCores(cores).size(), DEFAULT_ABOVE_MICROS);
  }

  /**
   * How many parts a request of {@code rows} rows runs as (1: it runs whole), its program's runs
   * having taken {@code averageNanos} on average (-1: not measured yet), with {@code busy}
   * requests running or waiting and at most {@code slots} executing at once.
   */
  int parts(long rows, long averageNanos, int busy, int slots) {
    if (aboveNanos == 0 || averageNanos < aboveNanos || busy > 0) {
      return 1;
    }
    // each part at least half the limit's worth of the whole's time: the parts are started
    // one after the other, each start a thread wake-up, which many small parts would not repay
    long worth = averageNanos / Math.max(1, aboveNanos / 2);
    int parts = (int) Math.min(Math.min(rows, worth), Math.min(cores, slots));
    return parts >= crowd ? parts : 1;
  }

  /** {@code rows} cut into {@code parts} sizes as even as they go, the larger ones first. */
  static long[] sizes(long rows, int parts) {
    if (parts < 1 || rows < parts) {
      throw new IllegalArgumentException("cannot cut " + rows + " rows into " + parts + " parts");
    }
    long[] sizes = new long[parts];
    for (int i = 0; i < parts; i++) {
      sizes[i] = rows / parts + (i < rows % parts ? 1 : 0);
    }
    return sizes;
  }
}
