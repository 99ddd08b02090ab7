package io.planline.server;

import static java.util.Objects.requireNonNull;

import io.planline.exec.InferenceService;
import io.planline.metrics.PlanlineMetrics;
import io.planline.metrics.RequestStats;
import io.planline.exec.ModelState;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Triton's model statistics (the statistics extension), worked out in one place for every
 * frontend: the HTTP endpoints write {@link #json}, the gRPC {@code ModelStatistics} call maps the
 * same {@link ModelStat} records to its messages. Numbers come from the counters behind the
 * Prometheus metrics ({@link PlanlineMetrics#requestStats}), per model version.
 *
 * <p>As Triton reports them: {@code success} and {@code fail} count requests with their total
 * time from arrival to answer; {@code queue}, {@code compute_input}, {@code compute_infer} and
 * {@code compute_output} split the time of the successful ones
 * ({@link io.planline.exec.RequestTimes} says where each phase begins); {@code inference_count}
 * is the successful requests (every one an inference: the model configuration says
 * {@code max_batch_size: 0}) and {@code execution_count} the program executions, fewer than
 * the inferences where dynamic batching ran several requests as one. There is no response cache,
 * so {@code cache_hit} and {@code cache_miss} are zero.
 */
@Singleton
public final class ModelStatistics {

  /** A count of events and their total time. */
  public record Duration(long count, long ns) {}

  /** Triton's {@code InferStatistics}. */
  public record InferStats(Duration success, Duration fail, Duration queue, Duration computeInput,
      Duration computeInfer, Duration computeOutput, Duration cacheHit, Duration cacheMiss) {}

  /** Triton's {@code ModelStatistics} of one model version ({@code batch_stats} always empty). */
  public record ModelStat(String name, String version, long lastInference, long inferenceCount,
      long executionCount, InferStats inferenceStats) {}

  private final InferenceService service;
  private final ModelLookup lookup;
  private final PlanlineMetrics metrics;

  ModelStatistics(InferenceService service, ModelLookup lookup, PlanlineMetrics metrics) {
    this.service = requireNonNull(service, "service");
    this.lookup = requireNonNull(lookup, "lookup");
    this.metrics = requireNonNull(metrics, "metrics");
  }

  /**
   * The statistics of every model ({@code model} null or empty), of every version of
   * {@code model} ({@code version} null or empty), or of one version; loaded or not.
   *
   * @throws ApiException (404) for a model or version that is not served, naming what is
   */
  public List<ModelStat> of(@Nullable String model, @Nullable String version) {
    // Every known version, loaded or not: counters outlive an unload, as Prometheus' do.
    List<ModelState> models = service.index().stream()
        .filter(m -> model == null || model.isEmpty() || m.name().equals(model))
        .filter(m -> version == null || version.isEmpty() || m.version().equals(version))
        .toList();
    if (models.isEmpty() && model != null && !model.isEmpty()) {
      lookup.resolve(model, version); // throws the 404 naming what there is
    }
    return models.stream().map(m -> stat(m.name(), m.version())).toList();
  }

  /** The statistics of {@code model} at {@code version}, whether it is loaded or not. */
  public ModelStat stat(String model, String version) {
    RequestStats s = metrics.requestStats(model, version);
    InferStats inference = new InferStats(
        new Duration(s.successCount(), s.successNanos()),
        new Duration(s.failCount(), s.failNanos()),
        new Duration(s.phasedCount(), s.queueNanos()),
        new Duration(s.phasedCount(), s.inputNanos()),
        new Duration(s.phasedCount(), s.inferNanos()),
        new Duration(s.phasedCount(), s.outputNanos()),
        new Duration(0, 0), new Duration(0, 0));
    return new ModelStat(model, version, s.lastFinishedMillis(), s.successCount(),
        s.executionCount(), inference);
  }

  /** {@code {"model_stats": [...]}} with Triton's field names and order. */
  public static Map<String, Object> json(List<ModelStat> stats) {
    return Map.of("model_stats", stats.stream().map(ModelStatistics::json).toList());
  }

  private static Map<String, Object> json(ModelStat s) {
    InferStats i = s.inferenceStats();
    Map<String, Object> inference = new LinkedHashMap<>();
    inference.put("success", json(i.success()));
    inference.put("fail", json(i.fail()));
    inference.put("queue", json(i.queue()));
    inference.put("compute_input", json(i.computeInput()));
    inference.put("compute_infer", json(i.computeInfer()));
    inference.put("compute_output", json(i.computeOutput()));
    inference.put("cache_hit", json(i.cacheHit()));
    inference.put("cache_miss", json(i.cacheMiss()));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", s.name());
    m.put("version", s.version());
    m.put("last_inference", s.lastInference());
    m.put("inference_count", s.inferenceCount());
    m.put("execution_count", s.executionCount());
    m.put("inference_stats", inference);
    // Per batch size statistics: none kept (dynamic batching is inside the server, invisible to
    // the model configuration's max_batch_size of 0); present and empty, as Triton writes it.
    m.put("batch_stats", List.of());
    return m;
  }

  private static Map<String, Long> json(Duration d) {
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("count", d.count());
    out.put("ns", d.ns());
    return out;
  }
}
