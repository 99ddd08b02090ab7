package io.planline.exec;

import static java.util.Objects.requireNonNull;

import io.planline.exec.batch.BatchSettings;
import io.planline.model.ModelLoader;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything needed to build a runtime, whether from YAML (the server) or from flags (the CLI).
 *
 * @param backend {@code cpu}, {@code cuda} or {@code auto}
 * @param planner the default planner strategy
 * @param models the models to serve
 * @param window kernels in flight per request before upstream stalls
 * @param maxRunning requests executing at once (one stream each), or {@link #PER_BACKEND}
 * @param queueCapacity requests that may wait for admission
 * @param budgetBytes device memory the requests may reserve together
 * @param budgetMillis time budget of search-based planners
 * @param cache bounds of the compiled-program cache and the planning pool
 * @param available models the runtime knows but does not load at start: loaded on demand
 *     (explicit model control), each name distinct from those of {@code models}
 * @param replays whether small programs are recorded and replayed (CUDA graphs)
 * @param warmupRounds each model's warm-up with its sample as it loads: requests on every
 *     stream ({@link ModelWarmup}); 0, what the shorter constructors give, for none
 */
public record RuntimeSettings(String backend, String planner, List<ModelSpec> models, int window,
    int maxRunning, int queueCapacity, long budgetBytes, long budgetMillis,
    ProgramCacheSettings cache, List<ModelSpec> available, ReplaySettings replays,
    int warmupRounds) {

  /** {@code maxRunning} left to the backend: one per core on the CPU, two on CUDA. */
  public static final int PER_BACKEND = 0;

  public RuntimeSettings {
    requireNonNull(backend, "backend");
    requireNonNull(planner, "planner");
    requireNonNull(cache, "cache");
    requireNonNull(replays, "replays");
    models = List.copyOf(models);
    available = List.copyOf(available);
    if (warmupRounds < 0) {
      throw new IllegalArgumentException("warmupRounds must be at least 0, got " + warmupRounds);
    }
  }

  /** Settings that load every model at start. */
  public RuntimeSettings(String backend, String planner, List<ModelSpec> models, int window,
      int maxRunning, int queueCapacity, long budgetBytes, long budgetMillis,
      ProgramCacheSettings cache) {
    this(backend, planner, models, window, maxRunning, queueCapacity, budgetBytes, budgetMillis,
        cache, List.of(), ReplaySettings.OFF, 0);
  }

  /** Settings without replays. */
  public RuntimeSettings(String backend, String planner, List<ModelSpec> models, int window,
      int maxRunning, int queueCapacity, long budgetBytes, long budgetMillis,
      ProgramCacheSettings cache, List<ModelSpec> available) {
    this(backend, planner, models, window, maxRunning, queueCapacity, budgetBytes, budgetMillis,
        cache, available, ReplaySettings.OFF, 0);
  }

  /** The same settings with {@code replays}. */
  public RuntimeSettings withReplays(ReplaySettings replays) {
    return new RuntimeSettings(backend, planner, models, window, maxRunning, queueCapacity,
        budgetBytes, budgetMillis, cache, available, replays, warmupRounds);
  }

  /** The same settings with each model warmed up by {@code rounds} rounds as it loads. */
  public RuntimeSettings withWarmupRounds(int rounds) {
    return new RuntimeSettings(backend, planner, models, window, maxRunning, queueCapacity,
        budgetBytes, budgetMillis, cache, available, replays, rounds);
  }

  /** Settings with the default program cache. */
  public RuntimeSettings(String backend, String planner, List<ModelSpec> models, int window,
      int maxRunning, int queueCapacity, long budgetBytes, long budgetMillis) {
    this(backend, planner, models, window, maxRunning, queueCapacity, budgetBytes, budgetMillis,
        ProgramCacheSettings.DEFAULT);
  }

  /**
   * One served model.
   *
   * @param name served name
   * @param version version string
   * @param path a model folder on disk, or null for the built-in model of that name
   * @param planner this model's planner, or null for the default
   * @param kernels which of the model's programs runs
   * @param batching how its requests are batched
   */
  public record ModelSpec(String name, String version, @Nullable String path,
      @Nullable String planner, ModelLoader.Kernels kernels, BatchSettings batching) {
    public ModelSpec {
      requireNonNull(name, "name");
      requireNonNull(version, "version");
      requireNonNull(kernels, "kernels");
      requireNonNull(batching, "batching");
    }

    /** A model whose requests are not batched. */
    public ModelSpec(String name, String version, @Nullable String path,
        @Nullable String planner, ModelLoader.Kernels kernels) {
      this(name, version, path, planner, kernels, BatchSettings.OFF);
    }

    /** A model whose program is chosen automatically. */
    public ModelSpec(String name, String version, @Nullable String path,
        @Nullable String planner) {
      this(name, version, path, planner, ModelLoader.Kernels.AUTO);
    }
  }

  /** Built-in models on the CPU with the given planner and modest limits: what the CLI uses. */
  public static RuntimeSettings cli(String planner, List<String> models) {
    return cli(planner, models, ModelLoader.Kernels.AUTO);
  }

  /** As {@link #cli(String, List)}, with the given choice of kernels. */
  public static RuntimeSettings cli(String planner, List<String> models,
      ModelLoader.Kernels kernels) {
    return new RuntimeSettings("cpu", planner,
        models.stream().map(m -> new ModelSpec(m, "1", null, null, kernels)).toList(), 64, 2, 64,
        Long.MAX_VALUE, 1_000);
  }
}
