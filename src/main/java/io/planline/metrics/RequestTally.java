package io.planline.metrics;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The time one model's finished requests took, split by success and failure, and when the last
 * one finished: what Triton's statistics report beside the counts, which the Prometheus counters
 * already hold (a Micrometer timer keeps only the sum over all outcomes).
 */
final class RequestTally {

  /** The tally of a model with no finished request. */
  static final RequestTally EMPTY = new RequestTally();

  private final AtomicLong successNanos = new AtomicLong();
  private final AtomicLong failNanos = new AtomicLong();
  private final AtomicLong lastFinishedMillis = new AtomicLong();

  void add(Outcome outcome, long nanos) {
    (outcome == Outcome.SUCCESS ? successNanos : failNanos).addAndGet(nanos);
    lastFinishedMillis.set(System.currentTimeMillis());
  }

  long successNanos() {
    return successNanos.get();
  }

  long failNanos() {
    return failNanos.get();
  }

  long lastFinishedMillis() {
    return lastFinishedMillis.get();
  }
}
