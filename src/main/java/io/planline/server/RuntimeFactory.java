package io.planline.server;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Factory;
import io.planline.config.Backend;
import io.planline.config.BatchingSpec;
import io.planline.config.ModelRepository;
import io.planline.config.ModelSpec;
import io.planline.config.ServingConfig;
import io.planline.exec.LocalInferenceService;
import io.planline.exec.PathWarmup;
import io.planline.exec.ProgramCacheSettings;
import io.planline.exec.ReplaySettings;
import io.planline.exec.RuntimeSettings;
import io.planline.exec.Runtimes;
import io.planline.exec.batch.BatchSettings;
import io.planline.ir.Device;
import io.planline.metrics.BuildInfo;
import io.planline.metrics.MetricsObserver;
import io.planline.metrics.PlanlineMetrics;
import io.planline.model.ModelLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Builds the runtime the HTTP layer serves from the validated configuration: backend, models with
 * their planners, admission limits; its meters report to Prometheus. At shutdown it drains:
 * new requests are refused while admitted ones finish.
 */
@Factory
final class RuntimeFactory {

  /** The environment that only validates configuration: no runtime, no models loaded. */
  static final String CONFIG_CHECK = "config-check";

  /** What the process's request-path warm-up did, once the runtime is made (for tests). */
  private PathWarmup.@Nullable Result warmup;

  // @Context: created at start-up, so a model that does not load stops the server there.
  @Context
  @Requires(notEnv = CONFIG_CHECK)
  @Bean(preDestroy = "close")
  LocalInferenceService runtime(ServingConfig config, ModelRepository repository,
      ModelControl control, PlanlineMetrics metrics) {
    Device device = config.backend() == Backend.CUDA ? Device.CUDA0 : Device.CPU;
    // The configured models are loaded at start; the repository's too, unless explicit model
    // control loads them on request.
    List<ModelSpec> atStart = new ArrayList<>(config.models());
    List<ModelSpec> onRequest = new ArrayList<>();
    (control.explicit() ? onRequest : atStart).addAll(repository.models());
    RuntimeSettings settings = new RuntimeSettings(
        config.backend().name().toLowerCase(Locale.ROOT), config.planner(),
        atStart.stream().map(RuntimeFactory::spec).toList(),
        config.kernelWindow(), config.maxConcurrentRequests(), config.queueCapacity(),
        config.deviceMemoryBudgetBytes(), config.planBudgetMillis(),
        new ProgramCacheSettings(config.limits().maxCachedShapes(),
            config.limits().planningThreads(), config.queueCapacity()),
        onRequest.stream().map(RuntimeFactory::spec).toList(),
        new ReplaySettings(config.graphs().enabled(), config.graphs().maxBytes()),
        config.modelWarmupRounds());
    LocalInferenceService service = Runtimes.create(settings, new MetricsObserver(metrics, device));
    // before the first request: the JIT has compiled what every request runs
    warmup = PathWarmup.once();
    // Weights are reported by the runtime as models load and unload (RuntimeObserver).
    Device actual = service.executor().backend().device();
    metrics.setBudget(actual, config.deviceMemoryBudgetBytes());
    metrics.watchLent(actual, service.executor().backend()::lentBytes);
    metrics.buildInfo(BuildInfo.version(), actual.type());
    return service;
  }

  PathWarmup.@Nullable Result warmup() {
    return warmup;
  }

  private static RuntimeSettings.ModelSpec spec(ModelSpec m) {
    return new RuntimeSettings.ModelSpec(m.name(), m.version(),
        m.folder() == null ? null : m.folder().toString(), m.planner(),
        ModelLoader.Kernels.parse(m.kernels()), batching(m.batching()));
  }

  private static BatchSettings batching(BatchingSpec b) {
    return b.enabled() ? BatchSettings.of(b.maxBatchSize(), b.preferredBatchSizes(),
        b.maxQueueDelayMicros(), b.modelAsked()) : BatchSettings.OFF;
  }
}
