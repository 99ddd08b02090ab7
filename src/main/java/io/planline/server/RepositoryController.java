package io.planline.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.planline.exec.InferenceService;
import io.planline.model.ModelInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Triton's repository API: {@code POST /v2/repository/index} lists every model and version with
 * its state; {@code POST /v2/repository/models/{m}/load} and {@code /unload} are refused with 400
 * (as Triton refuses them outside explicit mode), because planline loads the configured models
 * at start and {@code planline.model-control} has only the value {@code none} so far.
 */
@Controller("/v2/repository")
public final class RepositoryController {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final InferenceService service;
  private final String mode;

  RepositoryController(InferenceService service, ModelControl control) {
    this.service = service;
    this.mode = control.mode();
  }

  /**
   * Every model and version: {@code [{"name", "version", "state"}]}, only the ready ones when the
   * body is {@code {"ready": true}}. Triton's client posts an empty body.
   */
  @Post(uri = "/index", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
  List<Map<String, String>> index(@Body @io.micronaut.core.annotation.Nullable byte[] body) {
    return entries(flag(body, "ready"));
  }

  /** The index entries: every model and version, or only the ready ones (the gRPC call's too). */
  public List<Map<String, String>> entries(boolean readyOnly) {
    return service.models().stream()
        .filter(m -> !readyOnly || service.ready(m.name(), m.version()))
        .map(this::entry).toList();
  }

  /** Refused: the configured models are loaded at start. */
  @Post(uri = "/models/{model}/load", consumes = MediaType.ALL)
  void load(String model, @Body @io.micronaut.core.annotation.Nullable byte[] body) {
    throw refusal("load", model);
  }

  /** Refused: the configured models stay loaded until the server stops. */
  @Post(uri = "/models/{model}/unload", consumes = MediaType.ALL)
  void unload(String model, @Body @io.micronaut.core.annotation.Nullable byte[] body) {
    throw refusal("unload", model);
  }

  private ApiException refusal(String action, String model) {
    return ApiException.badRequest("cannot " + action + " model '" + model + "': explicit model "
        + action + " is not allowed with planline.model-control: " + mode + " (the configured"
        + " models are loaded at start)");
  }

  private Map<String, String> entry(ModelInfo m) {
    Map<String, String> e = new LinkedHashMap<>();
    e.put("name", m.name());
    e.put("version", m.version());
    boolean ready = service.ready(m.name(), m.version());
    e.put("state", ready ? "READY" : "UNAVAILABLE");
    if (!ready) {
      e.put("reason", "not ready to take requests");
    }
    return e;
  }

  /** Whether the optional JSON body sets {@code name} to true. */
  private static boolean flag(byte @Nullable [] body, String name) {
    if (body == null || body.length == 0) {
      return false;
    }
    try {
      JsonNode json = JSON.readTree(body);
      if (json == null || json.isMissingNode()) {
        return false;
      }
      if (!json.isObject()) {
        throw ApiException.badRequest("the repository index body must be a JSON object");
      }
      JsonNode v = json.get(name);
      if (v != null && !v.isBoolean()) {
        throw ApiException.badRequest("'" + name + "' must be a boolean, got " + v);
      }
      return v != null && v.booleanValue();
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("the repository index body is not JSON: "
          + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
