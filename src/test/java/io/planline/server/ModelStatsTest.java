package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Statistics as Triton's client's {@code get_inference_statistics(name="", version="")} requests
 * them ({@code GET v2/models/stats}, {@code v2/models/{m}/stats},
 * {@code v2/models/{m}/versions/{v}/stats}) and reads them ({@code model_stats[]} with
 * {@code inference_stats}).
 */
@MicronautTest
final class ModelStatsTest {

  private static final List<String> DURATIONS = List.of("success", "fail", "queue",
      "compute_input", "compute_infer", "compute_output");

  @Inject
  EmbeddedServer server;

  Http http;

  @BeforeEach
  void client() {
    http = new Http(server);
  }

  @Test
  void allStats_routedAsStatsNotAsModel_listsEveryModel() {
    HttpResponse<byte[]> r = http.get("/v2/models/stats");
    assertEquals(200, r.statusCode(), Http.text(r));
    Set<String> names = new HashSet<>();
    for (JsonNode m : Http.json(r).get("model_stats")) {
      names.add(m.get("name").asText());
      for (String d : DURATIONS) {
        JsonNode s = m.get("inference_stats").get(d);
        assertTrue(s.get("count").isIntegralNumber() && s.get("ns").isIntegralNumber(), d);
      }
    }
    assertEquals(Set.of("digits-mlp", "digits-cnn", "tiny-gpt"), names);
  }

  @Test
  void modelStats_afterOneSuccessAndOneFailure_countsBoth() {
    JsonNode before = only("/v2/models/digits-mlp/stats");
    String in = http.tensorName("digits-mlp", "inputs");
    HttpResponse<byte[]> ok = http.postJson("/v2/models/digits-mlp/infer", "{\"inputs\":[{\"name\":\""
        + in + "\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":" + InferJsonTest.pixels(64)
        + "}]}");
    assertEquals(200, ok.statusCode(), Http.text(ok));
    HttpResponse<byte[]> bad = http.postJson("/v2/models/digits-mlp/infer", "{\"inputs\":[{\"name\":\""
        + in + "\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}");
    assertEquals(400, bad.statusCode(), Http.text(bad));

    JsonNode after = only("/v2/models/digits-mlp/stats");
    assertEquals(1, delta(before, after, "success", "count"));
    assertEquals(1, delta(before, after, "fail", "count"));
    for (String phase : List.of("queue", "compute_input", "compute_infer", "compute_output")) {
      assertEquals(1, delta(before, after, phase, "count"), phase);
    }
    assertTrue(delta(before, after, "success", "ns") > 0);
    // The four phases split the successful request's time from arrival to answer, exactly.
    assertEquals(delta(before, after, "success", "ns"), delta(before, after, "queue", "ns")
        + delta(before, after, "compute_input", "ns") + delta(before, after, "compute_infer", "ns")
        + delta(before, after, "compute_output", "ns"));
    assertTrue(delta(before, after, "compute_infer", "ns") > 0);
    assertEquals(1, after.get("execution_count").asLong() - before.get("execution_count").asLong());
    assertEquals(1, after.get("inference_count").asLong() - before.get("inference_count").asLong());
    assertTrue(after.get("last_inference").asLong() > 0);
    // Empty on purpose (no batching) and still present, as Triton writes it.
    assertEquals("[]", after.get("batch_stats").toString());
  }

  @Test
  void versionStats_namedVersion_oneEntryWithThatVersion() {
    String version = Http.json(http.get("/v2/models/tiny-gpt")).get("versions").get(0).asText();
    JsonNode s = only("/v2/models/tiny-gpt/versions/" + version + "/stats");
    assertEquals("tiny-gpt", s.get("name").asText());
    assertEquals(version, s.get("version").asText());
  }

  @Test
  void modelStats_unknownModel_404NamingIt() {
    HttpResponse<byte[]> r = http.get("/v2/models/no-such-model/stats");
    assertEquals(404, r.statusCode(), Http.text(r));
    assertTrue(Http.error(r).contains("'no-such-model'"), Http.error(r));
  }

  @Test
  void versionStats_unknownVersion_404NamingTheVersions() {
    HttpResponse<byte[]> r = http.get("/v2/models/tiny-gpt/versions/77/stats");
    assertEquals(404, r.statusCode(), Http.text(r));
    assertTrue(Http.error(r).contains("no version '77'"), Http.error(r));
  }

  private JsonNode only(String path) {
    HttpResponse<byte[]> r = http.get(path);
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode list = Http.json(r).get("model_stats");
    assertEquals(1, list.size(), list.toString());
    return list.get(0);
  }

  private static long delta(JsonNode before, JsonNode after, String duration, String field) {
    return after.get("inference_stats").get(duration).get(field).asLong()
        - before.get("inference_stats").get(duration).get(field).asLong();
  }
}
