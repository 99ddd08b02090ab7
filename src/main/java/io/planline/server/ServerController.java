package io.planline.server;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.planline.exec.InferenceService;
import io.planline.exec.ModelState;
import io.planline.metrics.BuildInfo;
import io.planline.model.ModelInfo;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Server health and metadata: {@code GET /v2/health/live}, {@code /v2/health/ready}, {@code /v2}.
 * The gRPC service answers its calls from these same methods.
 */
@Controller("/v2")
public final class ServerController {

  /** Liveness probe path. */
  static final String LIVE = "/v2/health/live";
  /** Readiness probe path. */
  static final String READY = "/v2/health/ready";

  private final InferenceService service;
  private final ErrorResponses errors;

  ServerController(InferenceService service, ErrorResponses errors) {
    this.service = service;
    this.errors = errors;
  }

  /**
   * 200 {@code {"live": true}} while the process can answer at all: the body is for the KServe
   * SDK, whose {@code is_server_live()} fails to parse an empty one.
   */
  @Get(uri = "/health/live", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<?> live() {
    return HttpResponse.ok(Map.of("live", true));
  }

  /**
   * 200 {@code {"ready": true}} when every served model (but those being unloaded) can take
   * requests; 503 naming those that cannot, or saying that none is served.
   */
  @Get(uri = "/health/ready", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<?> ready() {
    // A model being unloaded on request is going away on purpose: it does not make the server
    // unready (explicit model control).
    Set<String> unloading = service.index().stream()
        .filter(m -> m.state() == ModelState.State.UNLOADING)
        .map(m -> m.name() + '\u0000' + m.version()).collect(Collectors.toSet());
    List<ModelInfo> serving = service.models().stream()
        .filter(m -> !unloading.contains(m.name() + '\u0000' + m.version())).toList();
    List<String> notReady = serving.stream()
        .filter(m -> !service.ready(m.name(), m.version()))
        .map(m -> m.name() + " (version " + m.version() + ")").toList();
    if (notReady.isEmpty() && !serving.isEmpty()) {
      return HttpResponse.ok(Map.of("ready", true));
    }
    return errors.error(HttpStatus.SERVICE_UNAVAILABLE, notReady.isEmpty() ? "no models are served"
        : "not ready: " + String.join(", ", notReady));
  }

  /** The server's name, version and protocol extensions (Triton's names where Triton has one). */
  @Get(produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> metadata() {
    return Map.of("name", "planline", "version", BuildInfo.version(),
        "extensions", List.of("binary_tensor_data", "model_configuration", "model_repository",
            "statistics", "planline_plan"));
  }
}
