package io.planline.exec;

import io.planline.backend.HostTensor;
import io.planline.exec.batch.BatchSettings;
import io.planline.exec.batch.Batcher;
import io.planline.model.Model;
import io.planline.model.ModelInfo;
import io.planline.model.TensorInfo;
import io.planline.plan.Plan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * The runtime behind the HTTP layer and the {@code run} verb: finds the model (in its
 * {@link ModelTable}, which also loads and unloads models on request), checks the inputs
 * against its signature, takes its compiled plan for these shapes (from a bounded per-model
 * cache, made off the caller's thread), then has {@link ModelRunner} wait for admission (slots
 * and device memory budget) and execute. A model with batching on hands the request to its
 * {@link Batcher}, whose batches take that same path. Every failure is an
 * {@link InferenceException}.
 */
public final class LocalInferenceService implements InferenceService, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalInferenceService.class);

  private final ModelTable table;
  private final PlanningPool planning;
  private final RequestExecutor executor;
  private final Admission admission;
  private final MemoryEvents events;
  private final ModelRunner runner;
  private final SplitRuns splits;
  private final ModelOpener opener;
  private final Disposable eventFeed;
  /** Loads models on demand (explicit model control), one at a time, off the event loops. */
  private final ExecutorService loads;
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
    this(models, executor, admission, events, observer, cache, batching, ModelSource.NONE);
  }

  /**
   * Serves {@code models}, loaded now, and can load and unload the versions {@code source}
   * knows ({@link #load}, {@link #unload}); those not among {@code models} start unloaded.
   *
   * @throws IllegalArgumentException when batching is on for a model without a batch dimension
   */
  public LocalInferenceService(List<Model> models, RequestExecutor executor, Admission admission,
      MemoryEvents events, RuntimeObserver observer, ProgramCacheSettings cache,
      Function<Model, BatchSettings> batching, ModelSource source) {
    this(models, executor, admission, events, observer, cache, batching, source, 0);
  }

  /**
   * As above, each model warmed up with its sample as it loads, {@code warmupRounds} requests
   * on every stream ({@link ModelWarmup}; 0: none), before it is ready.
   *
   * @throws IllegalStateException when a model's warm-up fails, saying why
   */
  public LocalInferenceService(List<Model> models, RequestExecutor executor, Admission admission,
      MemoryEvents events, RuntimeObserver observer, ProgramCacheSettings cache,
      Function<Model, BatchSettings> batching, ModelSource source, int warmupRounds) {
    this.executor = executor;
    this.admission = admission;
    this.events = events;
    this.eventFeed = events.flux().subscribe(e -> {
      observer.memoryEvent(e);
      executor.reportMemory();
    });
    this.planning = new PlanningPool(cache.planningThreads(), cache.planningQueue());
    this.runner = new ModelRunner(executor, admission, observer);
    this.splits = new SplitRuns(runner, executor, admission);
    this.opener = new ModelOpener(cache, planning, observer, admission, runner,
        new ModelWarmup(warmupRounds));
    this.loads = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "planline-model-loader");
      t.setDaemon(true);
      return t;
    });
    List<ModelTable.Served> served = new ArrayList<>();
    try {
      for (Model m : models) {
        served.add(opener.open(m, batching.apply(m)));
      }
    } catch (RuntimeException e) {
      // what this made stops here; the caller closes what it gave (executor, backend)
      eventFeed.dispose();
      opener.close();
      planning.shutdownNow();
      loads.shutdownNow();
      throw e;
    }
    this.table = new ModelTable(served, source, opener::open, loads, observer);
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

  /** The loaded model, or ModelNotFound (saying why a known one is not loaded). */
  public Model find(String name, @Nullable String version) {
    return table.find(name, version).model();
  }

  /** Every loaded model, all versions (those unloading included). */
  public List<Model> loaded() {
    return table.loaded().stream().map(ModelTable.Served::model).toList();
  }

  /** How many compiled programs {@code m} holds now (never more than the cache's bound). */
  public long cachedShapes(Model m) {
    return served(m).cache().size();
  }

  private ModelTable.Served served(Model m) {
    return table.loaded().stream().filter(s -> s.model() == m).findFirst().orElseThrow(
        () -> new InferenceException.ModelNotFound("model '" + m.name() + "' version '"
            + m.version() + "' is not loaded"));
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
    return !draining && table.ready(name, version);
  }

  @Override
  public List<ModelState> index() {
    return table.index();
  }

  @Override
  public Mono<Void> load(String name) {
    return Mono.defer(() -> Mono.fromFuture(table.load(name), true))
        .onErrorMap(CompletionException.class, e -> e.getCause() == null ? e : e.getCause());
  }

  @Override
  public Mono<Void> unload(String name) {
    return Mono.defer(() -> Mono.fromFuture(table.unload(name), true));
  }

  @Override
  public Mono<Plan> plan(String name, @Nullable String version, Map<String, long[]> shapes) {
    return Mono.defer(() -> ModelOpener.program(table.find(name, version), shapes))
        .map(ExecutableProgram::plan);
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
      // The lease keeps the model from being released (unloaded) until the request is done;
      // closed eagerly, before the answer travels on, so whoever sees the last answer of an
      // unloading model sees it released.
      return Mono.using(() -> table.enter(name, version), lease -> {
        ModelTable.Served s = lease.served();
        Model m = s.model();
        List<HostTensor> ordered = InputChecks.ordered(m, inputs);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        ordered.forEach(t -> shapes.put(t.name(), t.shape()));
        return ModelOpener.program(s, shapes).flatMap(program -> {
          beforeRun.accept(outputsOf(m, program));
          return s.batcher() == null ? splits.run(s, program, ordered, times)
              : s.batcher().submit(ordered, times);
        });
      }, ModelTable.Lease::close);
    }).onErrorMap(e -> !(e instanceof InferenceException),
        e -> new InferenceException.Failed("model '" + name + "' failed: " + e.getMessage(), e));
  }
  /**
   * As {@link #plan} but blocking, for callers on their own thread (the CLI, tests).
   *
   * @throws InferenceException.BadInput when the shapes do not fit the model's signature
   */
  public ExecutableProgram executable(Model m, Map<String, long[]> shapes) {
    return ModelOpener.program(served(m), shapes).block();
  }

  /** How requests are split along their batch ({@link SplitRule}; for tests). */
  void splitRule(SplitRule rule) {
    splits.rule(rule);
  }

  /** The outputs {@code program} will return, with their bound shapes, in signature order. */
  private static List<TensorInfo> outputsOf(Model m, ExecutableProgram program) {
    List<TensorInfo> out = new ArrayList<>();
    for (Map.Entry<String, String> o : m.outputBuffers()) {
      var b = program.output(o.getKey());
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
    return Mono.when(table.loaded().stream().map(ModelTable.Served::batcher)
            .filter(Objects::nonNull).map(Batcher::drain).toList()).toFuture()
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
    opener.close();
    planning.shutdownNow();
    executor.close();
    loads.shutdownNow();
    executor.backend().close();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
