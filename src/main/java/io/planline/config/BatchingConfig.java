package io.planline.config;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Dynamic batching settings as bound from YAML ({@code planline.batching.*} globally,
 * {@code planline.models[i].batching.*} per model); raw and unvalidated. A value left unset
 * (null) in a model's settings takes the global one; {@link BatchingSpec#resolve} checks them.
 */
public class BatchingConfig {

  private @Nullable Boolean enabled;
  private @Nullable Integer maxBatchSize;
  private @Nullable List<Integer> preferredBatchSizes;
  private @Nullable Long maxQueueDelayMicros;

  /** Whether requests are batched, or null to inherit. */
  public @Nullable Boolean getEnabled() {
    return enabled;
  }

  /** Sets whether requests are batched. */
  public void setEnabled(@Nullable Boolean enabled) {
    this.enabled = enabled;
  }

  /** The most rows a batch holds, or null to inherit. */
  public @Nullable Integer getMaxBatchSize() {
    return maxBatchSize;
  }

  /** Sets the most rows a batch holds. */
  public void setMaxBatchSize(@Nullable Integer maxBatchSize) {
    this.maxBatchSize = maxBatchSize;
  }

  /** Batch sizes planned at start-up, or null to inherit. */
  public @Nullable List<Integer> getPreferredBatchSizes() {
    return preferredBatchSizes;
  }

  /** Sets the batch sizes planned at start-up. */
  public void setPreferredBatchSizes(@Nullable List<Integer> preferredBatchSizes) {
    this.preferredBatchSizes = preferredBatchSizes;
  }

  /** How long a batch's first request waits for others, or null to inherit. */
  public @Nullable Long getMaxQueueDelayMicros() {
    return maxQueueDelayMicros;
  }

  /** Sets how long a batch's first request waits for others. */
  public void setMaxQueueDelayMicros(@Nullable Long maxQueueDelayMicros) {
    this.maxQueueDelayMicros = maxQueueDelayMicros;
  }
}
