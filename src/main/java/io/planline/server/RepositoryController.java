package io.planline.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.planline.exec.InferenceService;
import io.planline.exec.ModelState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Triton's repository API: {@code POST /v2/repository/index} lists every model version the
 * server knows with its state; {@code POST /v2/repository/models/{m}/load} and {@code /unload}
 * load and unload a model with {@code planline.model-control: explicit} and are refused with 400
 * otherwise (as Triton refuses them outside explicit mode).
 */
@Controller("/v2/repository")
public final class RepositoryController {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final InferenceService service;
  private final ModelControl control;
  private final ModelLookup lookup;

  RepositoryController(InferenceService service, ModelControl control, ModelLookup lookup) {
    this.service = service;
    this.control = control;
    this.lookup = lookup;
  }

  /**
   * Every model and version: {@code [{"name", "version", "state"[, "reason"]}]}, only the ready
   * ones when the body is {@code {"ready": true}}. Triton's client posts an empty body.
   */
  @Post(uri = "/index", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
  List<Map<String, String>> index(@Body @io.micronaut.core.annotation.Nullable byte[] body) {
    return entries(flag(body, "ready"));
  }

  /** The index entries: every model version, or only the ready ones (the gRPC call's too). */
  public List<Map<String, String>> entries(boolean readyOnly) {
    return service.index().stream()
        .filter(m -> !readyOnly || m.state() == ModelState.State.READY)
        .map(RepositoryController::entry).toList();
  }

  /**
   * Loads every version of {@code model}; answers 200 (empty body) once they are ready, at once
   * when they already are. Triton's client posts {@code {}} or {@code {"parameters": {}}}.
   */
  @Post(uri = "/models/{model}/load", consumes = MediaType.ALL)
  public Mono<HttpResponse<?>> load(String model,
      @Body @io.micronaut.core.annotation.Nullable byte[] body) {
    control.requireExplicit("load", model);
    JsonNode parameters = parameters(body);
    for (var it = parameters.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (name.equals("config") || name.startsWith("file:")) {
        throw ApiException.badRequest("load parameter '" + name + "' is not supported: planline"
            + " loads the model folder as it is in the repository (no configuration override)");
      }
    }
    return service.load(known(model)).thenReturn(HttpResponse.ok());
  }

  /**
   * Unloads every version of {@code model}: answers 200 (empty body) as soon as it takes no new
   * requests; the requests it admitted finish, then it is released. Triton's client posts
   * {@code {"parameters": {"unload_dependents": false}}}.
   */
  @Post(uri = "/models/{model}/unload", consumes = MediaType.ALL)
  public Mono<HttpResponse<?>> unload(String model,
      @Body @io.micronaut.core.annotation.Nullable byte[] body) {
    control.requireExplicit("unload", model);
    JsonNode unloadDependents = parameters(body).get("unload_dependents");
    if (unloadDependents != null && !unloadDependents.isBoolean()) {
      throw ApiException.badRequest("'unload_dependents' must be a boolean, got "
          + unloadDependents);
    }
    // No model has dependents (no ensembles), so unload_dependents changes nothing.
    return service.unload(known(model)).thenReturn(HttpResponse.ok());
  }

  /** {@code model}, or 404 naming the models the repository holds. */
  private String known(String model) {
    if (service.index().stream().noneMatch(m -> m.name().equals(model))) {
      throw ApiException.notFound("unknown model '" + model + "'; the repository holds: "
          + String.join(", ", lookup.known()));
    }
    return model;
  }

  private static Map<String, String> entry(ModelState m) {
    Map<String, String> e = new LinkedHashMap<>();
    e.put("name", m.name());
    e.put("version", m.version());
    e.put("state", m.state().name());
    if (m.state() != ModelState.State.READY) {
      e.put("reason", m.reason());
    }
    return e;
  }

  /** The {@code parameters} object of an optional JSON body (empty when there is none). */
  private static JsonNode parameters(byte @Nullable [] body) {
    JsonNode json = object(body, "load/unload");
    JsonNode p = json.get("parameters");
    if (p == null || p.isNull()) {
      return JSON.createObjectNode();
    }
    if (!p.isObject()) {
      throw ApiException.badRequest("'parameters' must be a JSON object, got " + p);
    }
    return p;
  }

  /** The body as a JSON object; an empty body is an empty object. */
  private static JsonNode object(byte @Nullable [] body, String what) {
    if (body == null || body.length == 0) {
      return JSON.createObjectNode();
    }
    try {
      JsonNode json = JSON.readTree(body);
      if (json == null || json.isMissingNode()) {
        return JSON.createObjectNode();
      }
      if (!json.isObject()) {
        throw ApiException.badRequest("the repository " + what + " body must be a JSON object");
      }
      return json;
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("the repository " + what + " body is not JSON: "
          + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the optional JSON body sets {@code name} to true. */
  private static boolean flag(byte @Nullable [] body, String name) {
    JsonNode v = object(body, "index").get(name);
    if (v != null && !v.isBoolean()) {
      throw ApiException.badRequest("'" + name + "' must be a boolean, got " + v);
    }
    return v != null && v.booleanValue();
  }
}
