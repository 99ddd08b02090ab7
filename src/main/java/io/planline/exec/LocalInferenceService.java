package io.planline.exec;

import io.planline.backend.HostTensor;
import io.planline.ir.DType;
import io.planline.model.Model;
import io.planline.model.ModelInfo;
import io.planline.model.ModelProgram;
import io.planline.plan.Plan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The runtime behind the HTTP layer and the {@code run} verb: finds the model, checks the inputs
 * against its signature, takes its compiled plan for these shapes, waits for admission (slots and
 * device memory budget), then executes. Every failure is an {@link InferenceException}.
 */
public final class LocalInferenceService implements InferenceService, AutoCloseable {

  private final Map<String, List<Model>> models = new LinkedHashMap<>();
  /** Per model, one compiled program per binding of its symbols (made on first use). */
  private final Map<Model, Map<Map<String, Long>, ExecutableProgram>> compiled =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final RequestExecutor executor;
  private final Admission admission;
  private final MemoryEvents events;
  private final RuntimeObserver observer;
  private final Map<String, java.util.concurrent.atomic.AtomicLong> waiting =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, java.util.concurrent.atomic.AtomicLong> running =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final reactor.core.Disposable eventFeed;
  private volatile boolean draining;

  /** Serves {@code models} (several versions of one name: the last is the default). */
  public LocalInferenceService(List<Model> models, RequestExecutor executor, Admission admission,
      MemoryEvents events, RuntimeObserver observer) {
    this.observer = observer;
    this.eventFeed = events.flux().subscribe(e -> {
      observer.memoryEvent(e);
      observer.memoryInUse(executor.backend().bytesInUse());
    });
    for (Model m : models) {
      this.models.computeIfAbsent(m.name(), k -> new ArrayList<>()).add(m);
    }
    this.executor = executor;
    this.admission = admission;
    this.events = events;
  }

  /** Every request's memory events. */
  public MemoryEvents events() {
    return events;
  }

  /** The executor (for metrics of in-flight kernels). */
  public RequestExecutor executor() {
    return executor;
  }

  /** The admission control (for queue metrics). */
  public Admission admission() {
    return admission;
  }

  /** The loaded model, or ModelNotFound. */
  public Model find(String name, @Nullable String version) {
    List<Model> versions = models.get(name);
    if (versions == null) {
      throw new InferenceException.ModelNotFound("unknown model '" + name + "'; served models: "
          + String.join(", ", models.keySet()));
    }
    if (version == null || version.isEmpty()) {
      return versions.get(versions.size() - 1);
    }
    return versions.stream().filter(m -> m.version().equals(version)).findFirst()
        .orElseThrow(() -> new InferenceException.ModelNotFound("model '" + name
            + "' has no version '" + version + "'; versions: "
            + versions.stream().map(Model::version).toList()));
  }

  /** Every loaded model, all versions. */
  public List<Model> loaded() {
    return models.values().stream().flatMap(List::stream).toList();
  }

  @Override
  public List<ModelInfo> models() {
    return loaded().stream().map(Model::info).toList();
  }

  @Override
  public Optional<ModelInfo> model(String name, @Nullable String version) {
    try {
      return Optional.of(find(name, version).info());
    } catch (InferenceException.ModelNotFound e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean ready(String name, @Nullable String version) {
    return !draining && model(name, version).isPresent();
  }

  @Override
  public Plan plan(String name, @Nullable String version, Map<String, long[]> shapes) {
    Model m = find(name, version);
    try {
      return executable(m, shapes).plan();
    } catch (IllegalArgumentException e) {
      throw new InferenceException.BadInput(e.getMessage());
    }
  }

  @Override
  public Mono<List<HostTensor>> infer(String name, @Nullable String version,
      Map<String, HostTensor> inputs) {
    return Mono.defer(() -> {
      Model m = find(name, version);
      List<HostTensor> ordered = checkInputs(m, inputs);
      Map<String, long[]> shapes = new LinkedHashMap<>();
      ordered.forEach(t -> shapes.put(t.name(), t.shape()));
      ExecutableProgram program;
      try {
        program = executable(m, shapes);
      } catch (IllegalArgumentException e) {
        throw new InferenceException.BadInput(e.getMessage());
      }
      long inputBytes = ordered.stream().mapToLong(t -> t.data().remaining()).sum();
      long bytes = (program.arenaBytes() > 0 ? program.arenaBytes()
          : program.plan().plannedBytes()) + inputBytes;
      observer.planUsed(m.name(), program.plan());
      var queued = counter(waiting, m.name());
      var executing = counter(running, m.name());
      Mono<Admission.Ticket> admitted = admission.admit(bytes)
          .doOnSubscribe(s -> observer.queueDepth(m.name(), queued.incrementAndGet()))
          .doFinally(s -> observer.queueDepth(m.name(), queued.decrementAndGet()));
      return Mono.usingWhen(admitted,
          ticket -> Mono.defer(() -> {
            observer.requestsInFlight(m.name(), executing.incrementAndGet());
            return executor.execute(program, m.weights(), ordered, m.outputBuffers())
                .doFinally(s -> observer.requestsInFlight(m.name(), executing.decrementAndGet()));
          }),
          ticket -> Mono.fromRunnable(ticket::release),
          (ticket, err) -> Mono.fromRunnable(ticket::release),
          ticket -> Mono.fromRunnable(ticket::release));
    }).onErrorMap(e -> !(e instanceof InferenceException),
        e -> new InferenceException.Failed("model '" + name + "' failed: " + e.getMessage(), e));
  }

  /**
   * The compiled program of {@code m} for inputs of {@code shapes}: planned and compiled on first
   * use of their symbol values, then cached.
   *
   * @throws IllegalArgumentException when the shapes do not fit the model's signature
   */
  public ExecutableProgram executable(Model m, Map<String, long[]> shapes) {
    Map<String, Long> symbols = m.symbolsFor(shapes);
    return compiled.computeIfAbsent(m, k -> new java.util.concurrent.ConcurrentHashMap<>())
        .computeIfAbsent(symbols, s -> {
          Model.Planned p = m.plan(s);
          return ExecutableProgram.compile(p.graph(), p.plan(), m.backend(),
              m.nativeKernels());
        });
  }

  /** Inputs in signature order; names and types must match exactly. */
  private static List<HostTensor> checkInputs(Model m, Map<String, HostTensor> inputs) {
    List<HostTensor> ordered = new ArrayList<>();
    List<String> expected = m.program().inputs().stream().map(ModelProgram.TensorSpec::name)
        .toList();
    for (String given : inputs.keySet()) {
      if (!expected.contains(given)) {
        throw new InferenceException.BadInput("unexpected input '" + given + "'; model '"
            + m.name() + "' takes " + expected);
      }
    }
    for (ModelProgram.TensorSpec spec : m.program().inputs()) {
      HostTensor t = inputs.get(spec.name());
      if (t == null) {
        throw new InferenceException.BadInput("missing input '" + spec.name() + "' ("
            + spec.dtype() + " " + spec.shape() + ")");
      }
      if (t.dtype() != spec.dtype()) {
        throw new InferenceException.BadInput("input '" + spec.name() + "' must be "
            + spec.dtype() + ", got " + t.dtype());
      }
      if (t.shape().length != spec.shape().size()) {
        throw new InferenceException.BadInput("input '" + spec.name() + "' must have shape "
            + spec.shape() + ", got " + Arrays.toString(t.shape()));
      }
      Long rows = m.indexBounds().get(spec.name());
      if (rows != null && t.dtype() == DType.INT64) {
        var values = t.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer();
        for (int i = 0; i < values.limit(); i++) {
          long v = values.get(i);
          if (v < 0 || v >= rows) {
            throw new InferenceException.BadInput("input '" + spec.name() + "': value " + v
                + " at flat index " + i + " is outside [0, " + rows + ")");
          }
        }
      }
      ordered.add(t);
    }
    return ordered;
  }

  /** Refuses new requests and reports not ready; requests already admitted run to the end. */
  public void drain() {
    draining = true;
    admission.close();
  }

  /** Drains, waits up to {@code timeout} for running requests, then stops the backend. */
  public void close(java.time.Duration timeout) {
    drain();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (admission.running() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    eventFeed.dispose();
    executor.backend().close();
  }

  @Override
  public void close() {
    close(java.time.Duration.ofSeconds(30));
  }

  private static java.util.concurrent.atomic.AtomicLong counter(
      Map<String, java.util.concurrent.atomic.AtomicLong> counters, String model) {
    return counters.computeIfAbsent(model, k -> new java.util.concurrent.atomic.AtomicLong());
  }
}
