package io.planline.exec;

import static java.util.Objects.requireNonNull;

import io.planline.exec.batch.BatchSettings;
import io.planline.exec.batch.Batcher;
import io.planline.exec.batch.PreferredShapes;
import io.planline.model.Model;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Makes what serves a loaded model ({@link ModelTable.Served}): its bounded cache of compiled
 * programs, made on the planning pool, and, with batching on, its batcher, whose batches take
 * the path of a single request through {@link ModelRunner}.
 */
final class ModelOpener implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ModelOpener.class);

  private final ProgramCacheSettings cache;
  private final Executor planning;
  private final RuntimeObserver observer;
  private final Admission admission;
  private final ModelRunner runner;
  private final ModelWarmup warmup;
  /** Batchers' timer, and where batches are concatenated and started (created when needed). */
  private @Nullable Scheduler batching;

  ModelOpener(ProgramCacheSettings cache, Executor planning, RuntimeObserver observer,
      Admission admission, ModelRunner runner, ModelWarmup warmup) {
    this.cache = requireNonNull(cache, "cache");
    this.planning = requireNonNull(planning, "planning");
    this.observer = requireNonNull(observer, "observer");
    this.admission = requireNonNull(admission, "admission");
    this.runner = requireNonNull(runner, "runner");
    this.warmup = requireNonNull(warmup, "warmup");
  }

  /**
   * What serves {@code m}; with batching on, its preferred batch sizes are planned now, so that
   * their first batches do not wait for it; with warm-ups on, its sample has run
   * ({@link ModelWarmup}).
   *
   * @throws IllegalArgumentException when the model's own settings turn batching on and its
   *     program has no batch dimension (on by the global setting only, it runs unbatched)
   * @throws IllegalStateException when its warm-up failed, saying why
   */
  ModelTable.Served open(Model m, BatchSettings asked) {
    BatchSettings b = asked;
    if (b.enabled() && m.batchDim() == null && !b.modelAsked()) {
      // planline.batching.enabled is for the models that can batch: one whose requests cannot
      // be merged (no shared batch dimension, or an output that couples its rows) serves as it is
      LOG.info("model '{}' runs unbatched: its program has no batch dimension (batch_dim in "
          + "program.json, docs/model-format.md)", m.name());
      b = BatchSettings.OFF;
    }
    ShapeCache<ExecutableProgram> programs = new ShapeCache<>(cache.maxShapes(), planning,
        symbols -> {
          Model.Planned p = m.plan(symbols);
          ExecutableProgram program = ExecutableProgram.compile(p.graph(), p.plan(), m.backend(),
              m.nativeKernels());
          observer.programCompiled(m.name());
          return program;
        }, () -> observer.programEvicted(m.name()));
    ModelTable.Served s = new ModelTable.Served(m, programs,
        b.enabled() ? batcher(m, programs, b) : null);
    if (b.enabled()) {
      for (Map<String, long[]> shapes : PreferredShapes.of(m, b)) {
        program(s, shapes).block();
      }
    }
    try {
      warmup.run(s, runner, admission.maxRunning(),
          b.enabled() ? b.preferredBatchSizes() : List.of());
    } catch (RuntimeException e) {
      s.stop(); // nothing will serve it (the caller releases the weights)
      throw e;
    }
    return s;
  }

  /**
   * The compiled program of a served model for inputs of {@code shapes}: planned and compiled on
   * the planning pool on first use of their symbol values, then cached (boundedly).
   */
  static Mono<ExecutableProgram> program(ModelTable.Served s, Map<String, long[]> shapes) {
    Map<String, Long> symbols;
    try {
      symbols = s.model().symbolsFor(shapes);
    } catch (IllegalArgumentException e) {
      return Mono.error(new InferenceException.BadInput(e.getMessage()));
    }
    return s.cache().get(symbols).onErrorMap(IllegalArgumentException.class,
        e -> new InferenceException.BadInput(e.getMessage()));
  }

  private Batcher batcher(Model m, ShapeCache<ExecutableProgram> programs, BatchSettings b) {
    Integer dim = m.batchDim();
    if (dim == null) {
      throw new IllegalArgumentException("model '" + m.name() + "' cannot batch: its program"
          + " has no batch dimension (batch_dim in program.json, docs/model-format.md); remove"
          + " its batching.enabled");
    }
    // A batch runs as one request of the model's program, planned for the batch's shape.
    ModelTable.Served unbatched = new ModelTable.Served(m, programs, null);
    Batcher.Runner run = (inputs, times) -> Mono.defer(() -> {
      Map<String, long[]> shapes = new LinkedHashMap<>();
      inputs.forEach(t -> shapes.put(t.name(), t.shape()));
      return program(unbatched, shapes).flatMap(p -> runner.run(m, p, inputs, times));
    });
    return new Batcher(m.name(), dim, b, admission.maxRunning(), Math.max(1,
        admission.queueCapacity()), cache.maxShapes(), run, observer, scheduler());
  }

  private synchronized Scheduler scheduler() {
    if (batching == null) {
      batching = Schedulers.newSingle("planline-batcher", true);
    }
    return batching;
  }

  /** Stops the batchers' scheduler. */
  @Override
  public synchronized void close() {
    if (batching != null) {
      batching.dispose();
    }
  }

}
