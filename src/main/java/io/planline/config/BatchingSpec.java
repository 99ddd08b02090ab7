package io.planline.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One model's dynamic batching, resolved and validated.
 *
 * @param enabled whether its requests are batched
 * @param maxBatchSize the most rows (batch-dimension entries) a batch holds; a request with
 *     more runs alone
 * @param preferredBatchSizes batch sizes planned at start-up
 * @param maxQueueDelayMicros how long a batch's first request waits for others
 * @param modelAsked whether the model's own settings turn batching on ({@code
 *     planline.models[i].batching.enabled}), rather than only the global ones
 */
public record BatchingSpec(boolean enabled, int maxBatchSize, List<Integer> preferredBatchSizes,
    long maxQueueDelayMicros, boolean modelAsked) {

  /** Defaults: off; when on, up to 64 rows waiting at most 2 ms. */
  public static final BatchingSpec DEFAULT = new BatchingSpec(false, 64, List.of(), 2_000, false);

  /** Longest accepted delay: one second (a longer wait is a misconfiguration, not batching). */
  public static final long MAX_DELAY_MICROS = 1_000_000;

  /** Largest accepted batch. */
  public static final int MAX_BATCH_SIZE = 4096;

  public BatchingSpec {
    preferredBatchSizes = List.copyOf(preferredBatchSizes);
  }

  /**
   * {@code own}'s values over {@code global}'s over the defaults, checked; problems are added
   * to {@code problems} under {@code where} (the YAML path), and the defaults stand in for a bad
   * value so that every problem is reported at once.
   */
  static BatchingSpec resolve(@Nullable BatchingConfig own, BatchingConfig global, String where,
      List<String> problems) {
    BatchingConfig o = own == null ? new BatchingConfig() : own;
    boolean enabled = pick(o.getEnabled(), global.getEnabled(), DEFAULT.enabled());
    int max = pick(o.getMaxBatchSize(), global.getMaxBatchSize(), DEFAULT.maxBatchSize());
    long delay = pick(o.getMaxQueueDelayMicros(), global.getMaxQueueDelayMicros(),
        DEFAULT.maxQueueDelayMicros());
    List<Integer> preferred = pick(o.getPreferredBatchSizes(), global.getPreferredBatchSizes(),
        DEFAULT.preferredBatchSizes());
    String at = (o.getMaxBatchSize() != null ? where : "planline.batching");
    if (max < 1 || max > MAX_BATCH_SIZE) {
      problems.add(at + ".max-batch-size: must be between 1 and " + MAX_BATCH_SIZE + ", got "
          + max);
      max = DEFAULT.maxBatchSize();
    }
    at = o.getMaxQueueDelayMicros() != null ? where : "planline.batching";
    if (delay < 0 || delay > MAX_DELAY_MICROS) {
      problems.add(at + ".max-queue-delay-micros: must be between 0 and " + MAX_DELAY_MICROS
          + " (one second), got " + delay);
      delay = DEFAULT.maxQueueDelayMicros();
    }
    at = o.getPreferredBatchSizes() != null ? where : "planline.batching";
    List<Integer> good = new ArrayList<>();
    var seen = new HashSet<Integer>();
    for (Integer p : preferred) {
      if (p == null || p < 1 || p > max) {
        problems.add(at + ".preferred-batch-sizes: " + p + " is outside 1.." + max
            + " (max-batch-size)");
      } else if (seen.add(p)) {
        good.add(p);
      }
    }
    return new BatchingSpec(enabled, max, good, delay, Boolean.TRUE.equals(o.getEnabled()));
  }

  private static <T> T pick(@Nullable T own, @Nullable T global, T fallback) {
    return own != null ? own : global != null ? global : fallback;
  }
}
