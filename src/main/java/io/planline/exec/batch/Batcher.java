package io.planline.exec.batch;

import static java.util.Objects.requireNonNull;

import io.planline.backend.HostTensor;
import io.planline.exec.InferenceException;
import io.planline.exec.RequestTimes;
import io.planline.exec.RuntimeObserver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.concurrent.Queues;

/**
 * One model's dynamic batcher. Requests that may share a batch (equal shapes but for the batch
 * dimension) wait in one lane; each lane is a bounded unicast sink feeding
 * {@link BatchFormer}'s stage, whose batches run through {@code runner} — the same path a single
 * request takes (plan for the batch's shape, admission for its planned bytes, execution) — at
 * most {@code slots} at a time. Outputs are split back to their requests; a failure reaches
 * every request of the batch.
 *
 * <pre>
 *  submit ─► lane sink ─► bufferTimeout(limit, delay) ─► pack ─► flatMap(run batch, slots)
 *            (bounded)     on demand only                      concat ▸ runner ▸ split
 * </pre>
 *
 * <p>Batches are concatenated and started on {@code scheduler}, never on the thread that
 * submitted (an event loop) or that finished the buffer.
 */
public final class Batcher {

  /** Runs inputs as one request of the model: plan, admission, execution. */
  @FunctionalInterface
  public interface Runner {
    /**
     * The outputs of {@code inputs} (in signature order) run as one request, marking its
     * execution on {@code times}.
     */
    Mono<List<HostTensor>> run(List<HostTensor> inputs, RequestTimes times);
  }

  private final String model;
  private final int dim;
  private final BatchSettings settings;
  private final int slots;
  private final int queueCapacity;
  private final int maxLanes;
  private final Runner runner;
  private final RuntimeObserver observer;
  private final Scheduler scheduler;
  private final Map<String, Lane> lanes = new ConcurrentHashMap<>();

  /** A lane: its sink and the subscription running its batches. */
  private record Lane(Sinks.Many<Pending> sink, Mono<Void> done) {}

  /**
   * A batcher for {@code model}, concatenating along {@code dim}.
   *
   * @param slots batches of one lane running (or waiting for admission) at once
   * @param queueCapacity requests one lane may hold waiting; one more is refused (503)
   * @param maxLanes distinct non-batch shapes batched at once; requests of further shapes run
   *     alone, so a client cycling through shapes cannot make the batcher hold without bound
   * @param scheduler the batches' timer, and where they are concatenated and started
   */
  public Batcher(String model, int dim, BatchSettings settings, int slots, int queueCapacity,
      int maxLanes, Runner runner, RuntimeObserver observer, Scheduler scheduler) {
    this.model = requireNonNull(model, "model");
    this.settings = requireNonNull(settings, "settings");
    this.runner = requireNonNull(runner, "runner");
    this.observer = requireNonNull(observer, "observer");
    this.scheduler = requireNonNull(scheduler, "scheduler");
    if (dim < 0 || slots < 1 || queueCapacity < 1 || maxLanes < 1) {
      throw new IllegalArgumentException("bad batcher limits: dim " + dim + ", slots " + slots
          + ", queue " + queueCapacity + ", lanes " + maxLanes);
    }
    this.dim = dim;
    this.slots = slots;
    this.queueCapacity = queueCapacity;
    this.maxLanes = maxLanes;
  }

  /**
   * The outputs of one request ({@code inputs} in signature order): batched with others, or run
   * alone when it has more rows than a batch holds. Cancelling before the batch starts takes the
   * request out of it; cancelling later drops its answer while the others still get theirs.
   * {@code times} gets the execution marks of the batch it ran in.
   */
  public Mono<List<HostTensor>> submit(List<HostTensor> inputs, RequestTimes times) {
    return Mono.defer(() -> {
      long rows = BatchTensors.rows(inputs, dim);
      if (rows > settings.maxBatchSize()) {
        return runner.run(inputs, times);
      }
      Lane lane = lane(BatchTensors.laneKey(inputs, dim));
      if (lane == null) {
        return runner.run(inputs, times);
      }
      Pending p = new Pending(inputs, rows, scheduler.now(TimeUnit.NANOSECONDS), times);
      Sinks.EmitResult result;
      // A sink takes one emitter at a time; requests arrive on many event loops. The lock is
      // held only for the hand-over: batches start on the scheduler.
      synchronized (lane) {
        result = lane.sink().tryEmitNext(p);
      }
      if (result == Sinks.EmitResult.FAIL_OVERFLOW) {
        return Mono.error(new InferenceException.Overloaded("queue_full", "model '" + model
            + "': " + queueCapacity + " requests already wait for a batch; retry later"));
      }
      if (result.isFailure()) {
        return Mono.error(new InferenceException.Overloaded("shutdown",
            "the server is shutting down"));
      }
      return p.answer();
    });
  }

  /**
   * Takes no new requests; the ones waiting still form batches and run.
   *
   * @return completes when every lane's last batch has finished
   */
  public Mono<Void> drain() {
    List<Mono<Void>> done = new ArrayList<>();
    for (Lane lane : lanes.values()) {
      synchronized (lane) {
        lane.sink().tryEmitComplete();
      }
      done.add(lane.done());
    }
    return Mono.when(done);
  }

  private Lane lane(String key) {
    Lane existing = lanes.get(key);
    if (existing != null || lanes.size() >= maxLanes) {
      return existing;
    }
    return lanes.computeIfAbsent(key, k -> {
      Sinks.Many<Pending> sink = Sinks.many().unicast()
          .onBackpressureBuffer(Queues.<Pending>get(queueCapacity).get());
      Sinks.Empty<Void> done = Sinks.empty();
      sink.asFlux()
          .transform(BatchFormer.form(settings, scheduler))
          .flatMap(batches -> Flux.fromIterable(batches).concatMap(this::run)
              .subscribeOn(scheduler), slots, 1)
          .subscribe(null, e -> done.tryEmitEmpty(), done::tryEmitEmpty);
      return new Lane(sink, done.asMono());
    });
  }

  /** Runs one batch and answers its requests; never fails (failures go to the requests). */
  private Mono<Void> run(List<Pending> formed) {
    return Mono.defer(() -> {
      // Requests that left while the batch waited for the scheduler leave it too.
      List<Pending> batch = formed.stream().filter(p -> !p.left()).toList();
      if (batch.isEmpty()) {
        return Mono.empty();
      }
      long now = scheduler.now(TimeUnit.NANOSECONDS);
      long[] rows = new long[batch.size()];
      List<List<HostTensor>> inputs = new ArrayList<>(batch.size());
      for (int j = 0; j < rows.length; j++) {
        rows[j] = batch.get(j).rows();
        inputs.add(batch.get(j).inputs());
        observer.batchWaited(model, Math.max(0, now - batch.get(j).arrivedNanos()));
      }
      observer.batchExecuted(model, Arrays.stream(rows).sum());
      RequestTimes batchTimes = RequestTimes.start();
      // Everything from here on, concatenation included, fails the batch's requests, never
      // the lane: one bad batch must not stop the model's batching.
      return Mono.fromCallable(() -> BatchTensors.concat(inputs, dim))
          .flatMap(in -> runner.run(in, batchTimes))
          .map(outputs -> BatchTensors.split(outputs, rows, dim))
          .doOnNext(parts -> {
            for (int j = 0; j < parts.size(); j++) {
              batch.get(j).times().executedAs(batchTimes);
              batch.get(j).succeed(parts.get(j));
            }
          })
          .then()
          // The batch's shape may be refused where each request's is not (a symbol's upper
          // bound, the memory budget): its requests then run one by one, as without batching.
          .onErrorResume(InferenceException.BadInput.class, e -> batch.size() == 1
              ? Mono.error(e) : alone(batch))
          .onErrorResume(e -> {
            // Refusals (queue full, memory, shutdown) stay what they are, so each request gets
            // the 503 it would have got alone; a failure says that it was the batch's.
            Throwable error = e instanceof InferenceException && !(e
                instanceof InferenceException.Failed) ? e
                : new InferenceException.Failed("model '" + model + "', a batch of "
                    + batch.size() + " requests: " + e.getMessage(), e);
            batch.forEach(p -> p.fail(error));
            return Mono.empty();
          });
    });
  }

  /** Runs each request of {@code batch} on its own, answering each with its own outcome. */
  private Mono<Void> alone(List<Pending> batch) {
    return Flux.fromIterable(batch)
        .filter(p -> !p.left())
        .concatMap(p -> runner.run(p.inputs(), p.times())
            .doOnNext(p::succeed)
            .doOnError(p::fail)
            .onErrorResume(e -> Mono.empty()))
        .then();
  }

  /** The model this batcher serves. */
  public String model() {
    return model;
  }

  /** Lanes (distinct non-batch shapes) open now. */
  public int lanes() {
    return lanes.size();
  }
}
