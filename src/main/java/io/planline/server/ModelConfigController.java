package io.planline.server;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.planline.model.ModelInfo;
import io.planline.model.TensorInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Triton's model configuration ({@code GET /v2/models/{m}[/versions/{v}]/config}), which
 * Triton's client and {@code perf_analyzer} read before anything else.
 *
 * <p>Field names follow Triton's {@code model_config.proto} in its JSON form. planline does not
 * batch requests together, so {@code max_batch_size} is 0 and {@code dims} are the full shapes
 * with -1 for a dynamic dimension, which is how Triton describes a model without batching.
 */
@Controller("/v2/models")
public final class ModelConfigController {

  private final ModelLookup lookup;

  ModelConfigController(ModelLookup lookup) {
    this.lookup = lookup;
  }

  /** The configuration of the default version. */
  @Get(uri = "/{model}/config", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<byte[]> config(String model) {
    return ExactJson.ok(configOf(lookup.resolve(model, null)));
  }

  /** The configuration of one version. */
  @Get(uri = "/{model}/versions/{version}/config", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<byte[]> config(String model, String version) {
    return ExactJson.ok(configOf(lookup.resolve(model, version)));
  }

  private static Map<String, Object> configOf(ModelInfo info) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", info.name());
    c.put("platform", "planline");
    c.put("backend", "planline");
    // Every configured version is served; Triton's "specific" policy would need numeric versions.
    c.put("version_policy", Map.of("all", Map.of()));
    c.put("max_batch_size", 0);
    c.put("input", info.inputs().stream().map(t -> tensor(t, true)).toList());
    c.put("output", info.outputs().stream().map(t -> tensor(t, false)).toList());
    c.put("parameters", Map.of("planner", Map.of("string_value", info.planner())));
    return c;
  }

  private static Map<String, Object> tensor(TensorInfo t, boolean input) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", t.name());
    m.put("data_type", "TYPE_" + Datatype.of(t.dtype()).name());
    if (input) {
      m.put("format", "FORMAT_NONE");
    }
    m.put("dims", t.shape());
    m.put("is_shape_tensor", false);
    if (input) {
      m.put("allow_ragged_batch", false);
      m.put("optional", false);
    } else {
      m.put("label_filename", "");
    }
    return m;
  }
}
