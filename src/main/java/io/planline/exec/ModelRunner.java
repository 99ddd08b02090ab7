package io.planline.exec;

import static java.util.Objects.requireNonNull;

import io.planline.backend.HostTensor;
import io.planline.model.Model;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;

/**
 * Runs one request of a model's compiled program — or one dynamic batch, which is one request as
 * far as this is concerned: waits for admission of its planned bytes, then executes, reporting
 * the model's queue depth and requests in flight, and marking on the request's clock when its
 * execution started and ended.
 */
final class ModelRunner {

  private final RequestExecutor executor;
  private final Admission admission;
  private final RuntimeObserver observer;
  private final Map<String, AtomicLong> waiting = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> running = new ConcurrentHashMap<>();

  ModelRunner(RequestExecutor executor, Admission admission, RuntimeObserver observer) {
    this.executor = requireNonNull(executor, "executor");
    this.admission = requireNonNull(admission, "admission");
    this.observer = requireNonNull(observer, "observer");
  }

  /** The outputs of {@code program} on {@code ordered} (inputs in signature order). */
  Mono<List<HostTensor>> run(Model m, ExecutableProgram program, List<HostTensor> ordered,
      RequestTimes times) {
    return run(m, program, ordered, times, RunAs.WHOLE);
  }

  /**
   * As above, for a whole request or a part of a split one ({@link RunAs}); a part is admitted
   * and executed as a request of its own.
   */
  Mono<List<HostTensor>> run(Model m, ExecutableProgram program, List<HostTensor> ordered,
      RequestTimes times, RunAs as) {
    long inputBytes = ordered.stream().mapToLong(t -> t.data().remaining()).sum();
    long bytes = program.chargedBytes(inputBytes);
    observer.planUsed(m.name(), program.plan());
    var queued = counter(waiting, m.name());
    Mono<Admission.Ticket> admitted = admission.admit(bytes)
        .doOnSubscribe(s -> observer.queueDepth(m.name(), queued.incrementAndGet()))
        .doFinally(s -> observer.queueDepth(m.name(), queued.decrementAndGet()));
    return Mono.usingWhen(admitted,
        ticket -> {
          Mono<List<HostTensor>> run = Mono.defer(() -> {
            times.executionStarted();
            return executor.execute(program, m.weights(), ordered, m.outputBuffers(), as)
                .doOnNext(outputs -> times.executionEnded());
          });
          // a part is counted with its siblings, by whoever split the request; a warm-up not
          return as == RunAs.WHOLE ? executed(m, run) : run;
        },
        ticket -> Mono.fromRunnable(ticket::release),
        (ticket, err) -> Mono.fromRunnable(ticket::release),
        ticket -> Mono.fromRunnable(ticket::release));
  }

  /**
   * {@code work} counted as one request of {@code m} executing while it runs and as one
   * execution once it answers: a whole request, or the parts of a split one together (so the
   * statistics' {@code execution_count} stays at most the requests).
   */
  Mono<List<HostTensor>> executed(Model m, Mono<List<HostTensor>> work) {
    var executing = counter(running, m.name());
    return Mono.defer(() -> {
      observer.requestsInFlight(m.name(), executing.incrementAndGet());
      return work.doOnNext(outputs -> observer.programExecuted(m.name(), m.version()))
          .doFinally(s -> observer.requestsInFlight(m.name(), executing.decrementAndGet()));
    });
  }

  private static AtomicLong counter(Map<String, AtomicLong> counters, String model) {
    return counters.computeIfAbsent(model, k -> new AtomicLong());
  }
}
