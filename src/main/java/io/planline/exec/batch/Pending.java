package io.planline.exec.batch;

import io.planline.backend.HostTensor;
import io.planline.exec.RequestTimes;
import java.util.List;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * One request waiting in a batcher: its inputs, its rows along the batch dimension, when it
 * arrived, and where its own outputs go. A request whose subscriber cancelled is marked as left
 * and is dropped from any batch that has not started yet.
 */
final class Pending {

  private final List<HostTensor> inputs;
  private final long rows;
  private final long arrivedNanos;
  private final RequestTimes times;
  private final Sinks.One<List<HostTensor>> result = Sinks.one();
  private volatile boolean left;

  Pending(List<HostTensor> inputs, long rows, long arrivedNanos, RequestTimes times) {
    this.times = times;
    this.inputs = List.copyOf(inputs);
    this.rows = rows;
    this.arrivedNanos = arrivedNanos;
  }

  List<HostTensor> inputs() {
    return inputs;
  }

  long rows() {
    return rows;
  }

  long arrivedNanos() {
    return arrivedNanos;
  }

  /** The request's clock, which takes its batch's execution marks. */
  RequestTimes times() {
    return times;
  }

  boolean left() {
    return left;
  }

  /** The request's outputs, as its batch delivers them; cancelling it leaves the batch. */
  Mono<List<HostTensor>> answer() {
    return result.asMono().doOnCancel(() -> left = true);
  }

  /** Delivers this request's outputs (dropped when it left meanwhile). */
  void succeed(List<HostTensor> outputs) {
    result.tryEmitValue(outputs);
  }

  /** Fails this request with its batch's error. */
  void fail(Throwable error) {
    result.tryEmitError(error);
  }
}
