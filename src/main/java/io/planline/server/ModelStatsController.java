package io.planline.server;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.planline.exec.InferenceService;
import io.planline.metrics.PlanlineMetrics;
import io.planline.metrics.RequestStats;
import io.planline.model.ModelInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Statistics in Triton's format: {@code GET /v2/models/stats} (every model) and
 * {@code /v2/models/{m}[/versions/{v}]/stats}, read from the counters behind the Prometheus
 * metrics so both always agree.
 *
 * <p>The runtime does not yet report queue wait apart from compute, so a request's whole
 * duration is counted under {@code compute_infer} and {@code queue}, {@code compute_input} and
 * {@code compute_output} show the same count with 0 ns. Counters are kept per model name (the
 * metrics' {@code model} label): every version of a model shows the same numbers. The gRPC
 * statistics call reads its answer from these methods' JSON, so the two cannot drift apart.
 */
@Controller("/v2/models")
public final class ModelStatsController {

  private final InferenceService service;
  private final ModelLookup lookup;
  private final PlanlineMetrics metrics;

  ModelStatsController(InferenceService service, ModelLookup lookup, PlanlineMetrics metrics) {
    this.service = service;
    this.lookup = lookup;
    this.metrics = metrics;
  }

  /** Every served model and version. */
  @Get(uri = "/stats", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<byte[]> all() {
    return stats(service.models());
  }

  /** Every version of one model (Triton answers all versions when none is named). */
  @Get(uri = "/{model}/stats", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<byte[]> model(String model) {
    lookup.resolve(model, null);
    return stats(service.models().stream().filter(m -> m.name().equals(model)).toList());
  }

  /** One version. */
  @Get(uri = "/{model}/versions/{version}/stats", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<byte[]> version(String model, String version) {
    return stats(List.of(lookup.resolve(model, version)));
  }

  private HttpResponse<byte[]> stats(List<ModelInfo> models) {
    return ExactJson.ok(Map.of("model_stats", models.stream().map(this::statsOf).toList()));
  }

  private Map<String, Object> statsOf(ModelInfo info) {
    RequestStats s = metrics.requestStats(info.name());
    Map<String, Object> inference = new LinkedHashMap<>();
    inference.put("success", duration(s.successCount(), s.successNanos()));
    inference.put("fail", duration(s.failCount(), s.failNanos()));
    inference.put("queue", duration(s.successCount(), 0));
    inference.put("compute_input", duration(s.successCount(), 0));
    inference.put("compute_infer", duration(s.successCount(), s.successNanos()));
    inference.put("compute_output", duration(s.successCount(), 0));
    inference.put("cache_hit", duration(0, 0));
    inference.put("cache_miss", duration(0, 0));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", info.name());
    m.put("version", info.version());
    m.put("last_inference", s.lastFinishedMillis());
    // No batching: every successful request is one execution of one inference.
    m.put("inference_count", s.successCount());
    m.put("execution_count", s.successCount());
    m.put("inference_stats", inference);
    m.put("batch_stats", List.of());
    return m;
  }

  private static Map<String, Long> duration(long count, long nanos) {
    Map<String, Long> d = new LinkedHashMap<>();
    d.put("count", count);
    d.put("ns", nanos);
    return d;
  }
}
