package io.planline.exec.batch;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * How one model's requests are batched.
 *
 * @param enabled whether requests are batched at all
 * @param maxBatchSize the most rows (batch-dimension entries) one batch holds; a request with
 *     more runs alone
 * @param preferredBatchSizes batch sizes planned and compiled at start-up, so that the first
 *     batch of such a size does not wait for planning; a forming batch leaves as soon as it
 *     holds the largest of them ({@link BatchFormer})
 * @param maxQueueDelay how long the first request of a forming batch waits for others
 * @param modelAsked whether the model's own settings turned batching on: then a model whose
 *     program has no batch dimension fails to load; where only the global setting did, it runs
 *     unbatched
 */
public record BatchSettings(boolean enabled, int maxBatchSize, List<Integer> preferredBatchSizes,
    Duration maxQueueDelay, boolean modelAsked) {

  /** Batching off (the default). */
  public static final BatchSettings OFF = new BatchSettings(false, 1, List.of(), Duration.ZERO,
      false);

  /** Requires: {@code maxBatchSize ≥ 1}, a delay ≥ 0, preferred sizes within 1..max. */
  public BatchSettings {
    requireNonNull(maxQueueDelay, "maxQueueDelay");
    preferredBatchSizes = List.copyOf(preferredBatchSizes);
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("max batch size must be at least 1, got "
          + maxBatchSize);
    }
    if (maxQueueDelay.isNegative()) {
      throw new IllegalArgumentException("max queue delay must be ≥ 0, got " + maxQueueDelay);
    }
    for (int p : preferredBatchSizes) {
      if (p < 1 || p > maxBatchSize) {
        throw new IllegalArgumentException("preferred batch size " + p + " is outside 1.."
            + maxBatchSize);
      }
    }
  }

  /** Batching on with these limits, asked for by the model's own settings. */
  public static BatchSettings of(int maxBatchSize, List<Integer> preferred, long delayMicros) {
    return of(maxBatchSize, preferred, delayMicros, true);
  }

  /** Batching on with these limits; {@code modelAsked} as the record says. */
  public static BatchSettings of(int maxBatchSize, List<Integer> preferred, long delayMicros,
      boolean modelAsked) {
    return new BatchSettings(true, maxBatchSize, preferred, Duration.ofNanos(delayMicros * 1_000),
        modelAsked);
  }
}
