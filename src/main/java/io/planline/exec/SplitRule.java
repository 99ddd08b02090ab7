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
 * <p>A split request counts as a run of the whole taking its parts' time added up
 * ({@code ProgramRuns.Measured#recordSplit}), so a program that splits keeps splitting, and
 * the worth of its parts above is counted from that one-thread cost. Through the server on 12
 * Xeon cores digits-cnn [64] went 1.2-1.3 -> 0.9 ms p50 with it, where the split request's own
 * length had switched the program between split and whole runs (session 25).
 *
 * <p>The last part runs on the caller's thread, where it may wait ({@link RunAs#LAST_PART}); the
 * others start a hand-over later, on stream threads, and one that ends after the caller's part
 * makes the caller wait and be woken. So the caller's part takes {@link #leadRows} more rows,
 * worth {@code planline.cpu.split-lead-micros} (default 20 µs) of a part's time per row. On the
 * build machine a stream's part started about 6 µs after the caller's, and the caller answered
 * 21 µs after the last part where the stream's ended last, 4.5 where the caller's did.
 * digits-cnn [64] in one process, alternating blocks (docs/benchmarks.md, session 25): 221 µs
 * with no lead, 194 with 10 µs (2 rows: parts of 34 and 30), 201 against 191 with 20 µs (3 rows)
 * in the next run; the build before this rule and the split counting below against this one,
 * 218 -> 187 µs. A split request's parts start one after the other, so with more than two the
 * caller's still starts last; how large a lead suits many cores was not measured (through the
 * HTTP server the caller is an event loop and runs no part, so there the lead is 0).
 *
 * <p>Below the time limit the parts' hand-overs to the stream threads cost more than they save
 * (a hand-over is about 20 µs there, {@link InlineRuns}); the last part runs on the caller's
 * thread where that thread may wait ({@link RunAs#LAST_PART}). Under load the crowd rule already keeps
 * every core busy with a request of its own, so a request that does not run alone is not split.
 */
final class SplitRule {

  static final long DEFAULT_ABOVE_MICROS = Long.getLong("planline.cpu.split-above-micros", 200);

  /** How much longer the caller's part is planned to run than the others' (see the class). */
  static final long DEFAULT_LEAD_MICROS = Long.getLong("planline.cpu.split-lead-micros", 20);

  /** Never splits. */
  static final SplitRule OFF = new SplitRule(1, 0, 0);

  private final int cores;
  private final int crowd;
  private final long aboveNanos;
  private final long leadNanos;

  /**
   * The rule on {@code cores} cores for programs whose runs took at least {@code aboveMicros}
   * (0: never split), with parts at least a crowd of {@code crowd} (and at least two).
   */
  SplitRule(int cores, int crowd, long aboveMicros) {
    this(cores, crowd, aboveMicros, 0);
  }

  /** As above, the caller's part planned to run {@code leadMicros} longer ({@link #leadRows}). */
  SplitRule(int cores, int crowd, long aboveMicros, long leadMicros) {
    if (cores < 1 || crowd < 0 || aboveMicros < 0 || leadMicros < 0) {
      throw new IllegalArgumentException("cores must be >= 1, crowd and micros >= 0; got "
          + cores + ", " + crowd + ", " + aboveMicros + ", " + leadMicros);
    }
    this.cores = cores;
    this.crowd = Math.max(2, crowd);
    this.aboveNanos = aboveMicros * 1_000;
    this.leadNanos = leadMicros * 1_000;
  }

  /** The rule for this machine's cores and crowd, and the time limit the property sets. */
  static SplitRule forCores(int cores) {
    return new SplitRule(cores, CrowdRule.forCores(cores).size(),
        setting("planline.cpu.split-above-micros", DEFAULT_ABOVE_MICROS),
        setting("planline.cpu.split-lead-micros", DEFAULT_LEAD_MICROS));
  }

  /** {@code value}, read from {@code property}, if it is not negative. */
  static long setting(String property, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(property + " must be 0 or more microseconds, got "
          + value);
    }
    return value;
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

  /**
   * The rows the caller's (last) part takes beyond an even share: the lead's worth of a part's
   * time per row, estimated from the program's average run ({@code averageNanos}, about its
   * cost on one thread once it splits), at most a quarter of an even share.
   */
  long leadRows(long rows, int parts, long averageNanos) {
    if (parts < 2 || averageNanos <= 0 || leadNanos == 0) {
      return 0;
    }
    double perRow = (double) averageNanos / rows;
    return Math.min(Math.round(leadNanos / perRow), rows / parts / 4);
  }

  /**
   * {@code rows} cut into {@code parts} sizes, the last {@code lead} rows longer than an even
   * share, those rows taken from the first parts.
   */
  static long[] sizes(long rows, int parts, long lead) {
    long[] sizes = sizes(rows, parts);
    long left = lead;
    for (int i = 0; i < parts - 1 && left > 0; i++) {
      long take = Math.min(left, sizes[i] - 1);
      sizes[i] -= take;
      sizes[parts - 1] += take;
      left -= take;
    }
    return sizes;
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
