package io.planline.server;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;

/**
 * Statistics in Triton's format: {@code GET /v2/models/stats} (every model) and
 * {@code /v2/models/{m}[/versions/{v}]/stats}; {@link ModelStatistics} works them out.
 */
@Controller("/v2/models")
public final class ModelStatsController {

  private final ModelStatistics statistics;

  ModelStatsController(ModelStatistics statistics) {
    this.statistics = statistics;
  }

  /** Every model and version. */
  @Get(uri = "/stats", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<byte[]> all() {
    return ExactJson.ok(ModelStatistics.json(statistics.of(null, null)));
  }

  /** Every version of one model (Triton answers all versions when none is named). */
  @Get(uri = "/{model}/stats", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<byte[]> model(String model) {
    return ExactJson.ok(ModelStatistics.json(statistics.of(model, null)));
  }

  /** One version. */
  @Get(uri = "/{model}/versions/{version}/stats", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<byte[]> version(String model, String version) {
    return ExactJson.ok(ModelStatistics.json(statistics.of(model, version)));
  }
}
