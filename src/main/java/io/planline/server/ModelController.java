package io.planline.server;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.planline.exec.InferenceService;
import io.planline.model.ModelInfo;
import io.planline.model.TensorInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Per-model endpoints: metadata, readiness and inference, with and without a version
 * ({@code /v2/models/{m}[/versions/{v}][/ready|/infer]}). The gRPC service answers metadata and
 * readiness from these same methods.
 */
@Controller("/v2/models")
public final class ModelController {

  private final InferenceService service;
  private final ModelLookup lookup;
  private final ErrorResponses errors;
  private final InferHandler infer;

  ModelController(InferenceService service, ModelLookup lookup, ErrorResponses errors,
      InferHandler infer) {
    this.infer = infer;
    this.service = service;
    this.lookup = lookup;
    this.errors = errors;
  }

  /** Metadata of the default version. */
  @Get(uri = "/{model}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> metadata(String model) {
    return metadataOf(lookup.resolve(model, null));
  }

  /** Metadata of one version. */
  @Get(uri = "/{model}/versions/{version}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> metadata(String model, String version) {
    return metadataOf(lookup.resolve(model, version));
  }

  /** 200 when the default version can take requests, else 503. */
  @Get("/{model}/ready")
  public HttpResponse<?> ready(String model) {
    return readiness(lookup.resolve(model, null));
  }

  /** 200 when the version can take requests, else 503. */
  @Get("/{model}/versions/{version}/ready")
  public HttpResponse<?> ready(String model, String version) {
    return readiness(lookup.resolve(model, version));
  }

  /** Inference on the default version. */
  @Post(uri = "/{model}/infer", consumes = MediaType.ALL)
  Mono<HttpResponse<byte[]>> infer(String model,
      @Header(InferRequestReader.HEADER_LENGTH) @Nullable String headerLength,
      @Body @io.micronaut.core.annotation.Nullable byte[] body, HttpRequest<?> request) {
    return infer.run(model, null, headerLength, body, request);
  }

  /** Inference on one version. */
  @Post(uri = "/{model}/versions/{version}/infer", consumes = MediaType.ALL)
  Mono<HttpResponse<byte[]>> infer(String model, String version,
      @Header(InferRequestReader.HEADER_LENGTH) @Nullable String headerLength,
      @Body @io.micronaut.core.annotation.Nullable byte[] body, HttpRequest<?> request) {
    return infer.run(model, version, headerLength, body, request);
  }

  private HttpResponse<?> readiness(ModelInfo info) {
    if (service.ready(info.name(), info.version())) {
      return HttpResponse.ok();
    }
    return errors.error(HttpStatus.SERVICE_UNAVAILABLE, "model '" + info.name() + "' version '"
        + info.version() + "' is not ready");
  }

  private Map<String, Object> metadataOf(ModelInfo info) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", info.name());
    m.put("versions", lookup.versions(info.name()));
    m.put("platform", "planline");
    m.put("inputs", tensors(info.inputs()));
    m.put("outputs", tensors(info.outputs()));
    return m;
  }

  private static List<Map<String, Object>> tensors(List<TensorInfo> tensors) {
    return tensors.stream().map(t -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", t.name());
      m.put("datatype", Datatype.of(t.dtype()).name());
      m.put("shape", t.shape());
      return m;
    }).toList();
  }
}
