package io.planline.exec.batch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * The stage that turns a lane's waiting requests into batches, composed from Reactor's
 * {@code bufferTimeout}: a batch leaves when it holds its limit of requests, or
 * {@code maxQueueDelay} after its first request arrived, whichever comes first. The limit is the
 * largest preferred batch size where there are preferred sizes, else {@code maxBatchSize}.
 *
 * <p>Preferred sizes follow Triton's rule that a batch of a preferred size leaves at once and
 * that a busy model gets batches of the largest preferred size it can form: with 16 clients, a
 * maximum of 64 and a preferred 16, a batch leaves as its 16th request arrives instead of waiting
 * out the delay for 64 that never come. Smaller preferred sizes are only planned at start-up:
 * {@code bufferTimeout} has one size at which a buffer leaves early, not several.
 *
 * <p>Fair backpressure is what makes this a dynamic batcher rather than a timer: while every
 * execution slot is busy downstream there is no demand, so a buffer whose delay has passed does
 * not leave but keeps filling (up to the maximum) until a slot frees; under load batches grow by
 * themselves, and an idle server still answers a lone request after the delay.
 *
 * <p>A buffer counts requests; requests of several rows may add up to more rows than the maximum,
 * so each buffer is then cut into batches of at most {@code maxBatchSize} rows, in arrival order
 * (usually one), by a {@code map}: an operator that prefetched here would take buffers ahead of
 * demand and undo the above. Requests that left before their batch was cut are dropped here.
 */
final class BatchFormer {

  private BatchFormer() {}

  /** The stage: each buffer's batches, emitted on demand only. */
  static Function<Flux<Pending>, Flux<List<List<Pending>>>> form(BatchSettings settings,
      Scheduler timer) {
    // bufferTimeout needs a positive delay; a delay of 0 means: take what is waiting now.
    Duration delay = settings.maxQueueDelay().isZero() ? Duration.ofNanos(1)
        : settings.maxQueueDelay();
    int max = settings.maxBatchSize();
    return pending -> pending
        .bufferTimeout(leavesAt(settings), delay, timer, true)
        .map(buffer -> pack(buffer, max));
  }

  /** Requests at which a forming batch leaves without waiting out the delay. */
  static int leavesAt(BatchSettings settings) {
    return settings.preferredBatchSizes().stream().mapToInt(Integer::intValue).max()
        .orElse(settings.maxBatchSize());
  }

  /** {@code buffer}'s requests still waiting, cut into runs of at most {@code max} rows. */
  static List<List<Pending>> pack(List<Pending> buffer, int max) {
    List<List<Pending>> batches = new ArrayList<>();
    List<Pending> current = new ArrayList<>();
    long rows = 0;
    for (Pending p : buffer) {
      if (p.left()) {
        continue;
      }
      if (rows + p.rows() > max && !current.isEmpty()) {
        batches.add(current);
        current = new ArrayList<>();
        rows = 0;
      }
      current.add(p);
      rows += p.rows();
    }
    if (!current.isEmpty()) {
      batches.add(current);
    }
    return batches;
  }
}
