package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Triton's model configuration as its client's {@code get_model_config(name[, version])} requests
 * and parses it ({@code GET v2/models/{m}[/versions/{v}]/config}, JSON).
 */
@MicronautTest
final class ModelConfigTest {

  @Inject
  EmbeddedServer server;

  Http http;

  @BeforeEach
  void client() {
    http = new Http(server);
  }

  @Test
  void config_digitsMlp_tritonFieldsWithFullDynamicDims() {
    HttpResponse<byte[]> r = http.get("/v2/models/digits-mlp/config");
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode c = Http.json(r);
    assertEquals("digits-mlp", c.get("name").asText());
    assertEquals("planline", c.get("platform").asText());
    // No request batching: the batch dimension stays in dims, as -1.
    assertEquals(0, c.get("max_batch_size").asInt());
    JsonNode in = c.get("input").get(0);
    assertEquals(http.tensorName("digits-mlp", "inputs"), in.get("name").asText());
    assertEquals("TYPE_FP32", in.get("data_type").asText());
    assertEquals("FORMAT_NONE", in.get("format").asText());
    assertEquals("[-1,64]", in.get("dims").toString());
    JsonNode out = c.get("output").get(0);
    assertEquals("TYPE_FP32", out.get("data_type").asText());
    assertEquals("[-1,10]", out.get("dims").toString());
    assertEquals("", out.get("label_filename").asText("absent"));
    assertEquals("noop", c.get("parameters").get("planner").get("string_value").asText());
  }

  @Test
  void config_tinyGpt_int64Tokens() {
    JsonNode c = Http.json(http.get("/v2/models/tiny-gpt/config"));
    assertEquals("TYPE_INT64", c.get("input").get(0).get("data_type").asText());
    assertEquals("[-1,-1,256]", c.get("output").get(0).get("dims").toString());
  }

  @Test
  void config_withVersion_sameAsDefaultServingAllVersions() {
    String version = Http.json(http.get("/v2/models/digits-cnn")).get("versions").get(0).asText();
    HttpResponse<byte[]> r = http.get("/v2/models/digits-cnn/versions/" + version + "/config");
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode c = Http.json(r);
    assertEquals(Http.json(http.get("/v2/models/digits-cnn/config")), c);
    assertEquals("{\"all\":{}}", c.get("version_policy").toString());
  }

  /** The per-model Triton endpoints answer a wrong name or version as metadata does. */
  @ParameterizedTest
  @ValueSource(strings = {"config", "stats"})
  void unknownModel_404WithJsonError(String endpoint) {
    HttpResponse<byte[]> r = http.get("/v2/models/resnet/" + endpoint);
    assertEquals(404, r.statusCode());
    assertTrue(Http.error(r).contains("unknown model 'resnet'"), Http.error(r));
  }

  @ParameterizedTest
  @ValueSource(strings = {"config", "stats"})
  void unknownVersion_404WithJsonError(String endpoint) {
    HttpResponse<byte[]> r = http.get("/v2/models/digits-mlp/versions/999/" + endpoint);
    assertEquals(404, r.statusCode());
    assertTrue(Http.error(r).contains("no version '999'"), Http.error(r));
  }
}
