package io.planline.metrics;

import io.planline.exec.RequestTimes;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The time one model version's finished requests took, split by success and failure and, for
 * successes, into Triton's phases; and when the last one finished. This is what Triton's
 * statistics report beside the counts, which the Prometheus counters already hold (a Micrometer
 * timer keeps only the sum over all outcomes).
 */
final class RequestTally {

  /** The tally of a model with no finished request. */
  static final RequestTally EMPTY = new RequestTally();

  private final AtomicLong successNanos = new AtomicLong();
  private final AtomicLong failNanos = new AtomicLong();
  private final AtomicLong phased = new AtomicLong();
  private final AtomicLong queueNanos = new AtomicLong();
  private final AtomicLong inputNanos = new AtomicLong();
  private final AtomicLong inferNanos = new AtomicLong();
  private final AtomicLong outputNanos = new AtomicLong();
  private final AtomicLong lastFinishedMillis = new AtomicLong();

  void add(Outcome outcome, long nanos, RequestTimes.@Nullable Phases phases) {
    (outcome == Outcome.SUCCESS ? successNanos : failNanos).addAndGet(nanos);
    if (phases != null) {
      phased.incrementAndGet();
      queueNanos.addAndGet(phases.queueNanos());
      inputNanos.addAndGet(phases.inputNanos());
      inferNanos.addAndGet(phases.inferNanos());
      outputNanos.addAndGet(phases.outputNanos());
    }
    lastFinishedMillis.set(System.currentTimeMillis());
  }

  /** A snapshot, with the counts the Prometheus counters hold. */
  RequestStats stats(long successCount, long failCount, long executions) {
    return new RequestStats(successCount, successNanos.get(), failCount, failNanos.get(),
        phased.get(), queueNanos.get(), inputNanos.get(), inferNanos.get(), outputNanos.get(),
        executions, lastFinishedMillis.get());
  }
}
