package io.planline.exec;

import io.planline.backend.HostTensor;
import io.planline.exec.batch.BatchSettings;
import io.planline.exec.batch.Batcher;
import io.planline.exec.batch.PreferredShapes;
import io.planline.model.Model;
import io.planline.model.ModelInfo;
import io.planline.model.ProgramBinder;
import io.planline.model.TensorInfo;
import io.planline.plan.Plan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The runtime behind the HTTP layer and the {@code run} verb: finds the model, checks the inputs
 * against its signature, takes its compiled plan for these shapes (from a bounded per-model
 * cache, made off the caller's thread), waits for admission (slots and device memory budget),
 * then executes. A model with batching on hands the request to its {@link Batcher}, whose
 * batches take that same path. Every failure is an {@link InferenceException}.
 */
public final class LocalInferenceService implements InferenceService, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalInferenceService.class);

  private final Map<String, List<Model>> models = new LinkedHashMap<>();
  /** Per model, its compiled programs by binding of its symbols. */
  private final Map<Model, ShapeCache<ExecutableProgram>> compiled = new LinkedHashMap<>();
  private final PlanningPool planning;
  private final RequestExecutor executor;
  private final Admission admission;
  private final MemoryEvents events;
  private final RuntimeObserver observer;
  private final Map<String, AtomicLong> waiting = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> running = new ConcurrentHashMap<>();
  private final Disposable eventFeed;
  private final Map<Model, Batcher> batchers = new LinkedHashMap<>();
  /** Batchers' timer, and where batches are concatenated and started (created when needed). */
  private @Nullable Scheduler batching;
  private volatile boolean draining;

  /** Serves {@code models} with the default program cache limits. */
  public LocalInferenceService(List<Model> models, RequestExecutor executor, Admission admission,
      MemoryEvents events, RuntimeObserver observer) {
    this(models, executor, admission, events, observer, ProgramCacheSettings.DEFAULT);
  }

  /** Serves {@code models} (several versions of one name: the last is the default). */
  public LocalInferenceService(List<Model> models, RequestExecutor executor, Admission admission,
      MemoryEvents events, RuntimeObserver observer, ProgramCacheSettings cache) {
    this(models, executor, admission, events, observer, cache, m -> BatchSettings.OFF);
  }

  /**
   * Serves {@code models}, batching each as {@code batching} says.
   *
   * @throws IllegalArgumentException when batching is on for a model without a batch dimension
   */
  public LocalInferenceService(List<Model> models, RequestExecutor executor, Admission admission,
      MemoryEvents events, RuntimeObserver observer, ProgramCacheSettings cache,
      Function<Model, BatchSettings> batching) {
    this.observer = observer;
    this.eventFeed = events.flux().subscribe(e -> {
      observer.memoryEvent(e);
      executor.reportMemory();
    });
    this.planning = new PlanningPool(cache.planningThreads(), cache.planningQueue());
    for (Model m : models) {
      this.models.computeIfAbsent(m.name(), k -> new ArrayList<>()).add(m);
      compiled.put(m, new ShapeCache<>(cache.maxShapes(), planning, symbols -> {
        Model.Planned p = m.plan(symbols);
        ExecutableProgram program = ExecutableProgram.compile(p.graph(), p.plan(), m.backend(),
            m.nativeKernels());
        observer.programCompiled(m.name());
        return program;
      }, () -> observer.programEvicted(m.name())));
    }
    this.executor = executor;
    this.admission = admission;
    this.events = events;
    for (Model m : models) {
      BatchSettings b = batching.apply(m);
      if (b.enabled()) {
        batchers.put(m, batcher(m, b, cache));
      }
    }
    batchers.forEach((m, b) -> prewarm(m, batching.apply(m)));
  }

  private Batcher batcher(Model m, BatchSettings b, ProgramCacheSettings cache) {
    Integer dim = m.batchDim();
    if (dim == null) {
      throw new IllegalArgumentException("model '" + m.name() + "' cannot batch: its program"
          + " has no batch dimension (batch_dim in program.json, docs/model-format.md)");
    }
    if (batching == null) {
      batching = Schedulers.newSingle("planline-batcher", true);
    }
    // A batch runs as one request of the model's program, planned for the batch's shape.
    Batcher.Runner runner = (inputs, times) -> Mono.defer(() -> {
      Map<String, long[]> shapes = new LinkedHashMap<>();
      inputs.forEach(t -> shapes.put(t.name(), t.shape()));
      return program(m, shapes).flatMap(p -> run(m, p, inputs, times));
    });
    return new Batcher(m.name(), dim, b, admission.maxRunning(), Math.max(1,
        admission.queueCapacity()), cache.maxShapes(), runner, observer, batching);
  }

  /** Plans the preferred batch sizes now, so that their first batches do not wait for it. */
  private void prewarm(Model m, BatchSettings b) {
    for (Map<String, long[]> shapes : PreferredShapes.of(m, b)) {
      program(m, shapes).block();
    }
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

  /** How many compiled programs {@code m} holds now (never more than the cache's bound). */
  public long cachedShapes(Model m) {
    return compiled.get(m).size();
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
  public Mono<Plan> plan(String name, @Nullable String version, Map<String, long[]> shapes) {
    return Mono.defer(() -> program(find(name, version), shapes)).map(ExecutableProgram::plan);
  }

  @Override
  public Mono<List<HostTensor>> infer(String name, @Nullable String version,
      Map<String, HostTensor> inputs, Consumer<List<TensorInfo>> beforeRun,
      RequestTimes times) {
    return Mono.defer(() -> {
      if (draining) {
        return Mono.error(new InferenceException.Overloaded("shutdown",
            "the server is shutting down"));
      }
      Model m = find(name, version);
      List<HostTensor> ordered = InputChecks.ordered(m, inputs);
      Map<String, long[]> shapes = new LinkedHashMap<>();
      ordered.forEach(t -> shapes.put(t.name(), t.shape()));
      return program(m, shapes).flatMap(program -> {
        beforeRun.accept(outputsOf(m, program));
        Batcher batcher = batchers.get(m);
        return batcher == null ? run(m, program, ordered, times)
            : batcher.submit(ordered, times);
      });
    }).onErrorMap(e -> !(e instanceof InferenceException),
        e -> new InferenceException.Failed("model '" + name + "' failed: " + e.getMessage(), e));
  }

  private Mono<List<HostTensor>> run(Model m, ExecutableProgram program,
      List<HostTensor> ordered, RequestTimes times) {
    long inputBytes = ordered.stream().mapToLong(t -> t.data().remaining()).sum();
    long bytes = program.chargedBytes(inputBytes);
    observer.planUsed(m.name(), program.plan());
    var queued = counter(waiting, m.name());
    var executing = counter(running, m.name());
    Mono<Admission.Ticket> admitted = admission.admit(bytes)
        .doOnSubscribe(s -> observer.queueDepth(m.name(), queued.incrementAndGet()))
        .doFinally(s -> observer.queueDepth(m.name(), queued.decrementAndGet()));
    return Mono.usingWhen(admitted,
        ticket -> Mono.defer(() -> {
          observer.requestsInFlight(m.name(), executing.incrementAndGet());
          times.executionStarted();
          return executor.execute(program, m.weights(), ordered, m.outputBuffers())
              .doOnNext(outputs -> {
                times.executionEnded();
                observer.programExecuted(m.name(), m.version());
              })
              .doFinally(s -> observer.requestsInFlight(m.name(), executing.decrementAndGet()));
        }),
        ticket -> Mono.fromRunnable(ticket::release),
        (ticket, err) -> Mono.fromRunnable(ticket::release),
        ticket -> Mono.fromRunnable(ticket::release));
  }

  /**
   * The compiled program of {@code m} for inputs of {@code shapes}: planned and compiled on the
   * planning pool on first use of their symbol values, then cached (boundedly).
   */
  private Mono<ExecutableProgram> program(Model m, Map<String, long[]> shapes) {
    Map<String, Long> symbols;
    try {
      symbols = m.symbolsFor(shapes);
    } catch (IllegalArgumentException e) {
      return Mono.error(new InferenceException.BadInput(e.getMessage()));
    }
    return compiled.get(m).get(symbols).onErrorMap(IllegalArgumentException.class,
        e -> new InferenceException.BadInput(e.getMessage()));
  }

  /**
   * As {@link #plan} but blocking, for callers on their own thread (the CLI, tests).
   *
   * @throws InferenceException.BadInput when the shapes do not fit the model's signature
   */
  public ExecutableProgram executable(Model m, Map<String, long[]> shapes) {
    return program(m, shapes).block();
  }

  /** The outputs {@code program} will return, with their bound shapes, in signature order. */
  private static List<TensorInfo> outputsOf(Model m, ExecutableProgram program) {
    List<TensorInfo> out = new ArrayList<>();
    for (Map.Entry<String, String> o : m.outputBuffers()) {
      var b = ProgramBinder.bufferOf(program.graph(), o.getKey());
      out.add(new TensorInfo(o.getValue(), b.dtype(), b.shape()));
    }
    return out;
  }

  /**
   * Reports not ready and refuses new requests from now on; requests already admitted (running
   * or waiting in the queue) run to the end.
   *
   * @return completes when no admitted request is left
   */
  public CompletableFuture<Void> drain() {
    draining = true;
    // Requests waiting in a batcher were accepted: their batches still form and are admitted
    // before admission closes.
    return Mono.when(batchers.values().stream().map(Batcher::drain).toList()).toFuture()
        .thenCompose(v -> admission.close());
  }

  /** Drains, waits up to {@code timeout} for admitted requests, then stops the backend. */
  public void close(Duration timeout) {
    try {
      drain().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException e) {
      LOG.warn("{} requests still running after {}; stopping anyway", admission.running(),
          timeout);
    } catch (ExecutionException e) {
      throw new IllegalStateException("drain failed", e.getCause());
    }
    eventFeed.dispose();
    if (batching != null) {
      batching.dispose();
    }
    planning.shutdownNow();
    executor.backend().close();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  private static AtomicLong counter(Map<String, AtomicLong> counters, String model) {
    return counters.computeIfAbsent(model, k -> new AtomicLong());
  }
}
