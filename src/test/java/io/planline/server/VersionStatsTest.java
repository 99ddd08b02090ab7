package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.context.annotation.Property;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Statistics and request metrics per model version, through the real server: digits-mlp
 * version 1 batches its requests dynamically, version 2 (the same model) runs each alone, so
 * their counters must differ, and batched requests must show fewer executions than inferences.
 */
@MicronautTest
@Property(name = "planline.models[0].batching.enabled", value = "true")
@Property(name = "planline.models[0].batching.max-batch-size", value = "4")
@Property(name = "planline.models[0].batching.max-queue-delay-micros", value = "1000000")
@Property(name = "planline.models[3].name", value = "digits-mlp")
@Property(name = "planline.models[3].version", value = "2")
final class VersionStatsTest {

  private static final String STATS = "/v2/models/digits-mlp/versions/%s/stats";

  @Inject
  EmbeddedServer server;

  Http http;
  private final ExecutorService clients = Executors.newFixedThreadPool(4);

  @BeforeEach
  void client() {
    http = new Http(server);
  }

  @AfterEach
  void stopClients() {
    clients.shutdownNow();
  }

  private String request(int seed) {
    return BatchingTest.digits("x", "[1,64]", 1, 64, seed);
  }

  @Test
  void stats_batchedVersion_fewerExecutionsThanInferencesAndPhasesSplitEachRequest()
      throws Exception {
    JsonNode before = stat("1");
    JsonNode otherBefore = stat("2");
    List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
    for (int j = 0; j < 4; j++) {
      int seed = j;
      calls.add(CompletableFuture.supplyAsync(() -> http.postJson(
          "/v2/models/digits-mlp/versions/1/infer", request(seed)), clients));
    }
    for (var c : calls) {
      assertEquals(200, c.get().statusCode(), Http.text(c.get()));
    }
    JsonNode after = stat("1");
    long inferences = after.get("inference_count").asLong()
        - before.get("inference_count").asLong();
    long executions = after.get("execution_count").asLong()
        - before.get("execution_count").asLong();
    assertEquals(4, inferences);
    assertTrue(executions >= 1 && executions < 4, executions + " executions: none batched");
    long total = 0;
    for (String phase : List.of("queue", "compute_input", "compute_infer", "compute_output")) {
      assertEquals(4, delta(before, after, phase, "count"), phase);
      total += delta(before, after, phase, "ns");
    }
    assertEquals(delta(before, after, "success", "ns"), total);
    // Requests waited for their batch: the queue phase holds that wait.
    assertTrue(delta(before, after, "queue", "ns") > 0);
    assertEquals(otherBefore.toString(), stat("2").toString(), "version 2 saw none of it");
  }

  @Test
  void stats_unbatchedVersion_oneExecutionPerRequestAndOwnPrometheusSeries() {
    JsonNode before = stat("2");
    assertEquals(200, http.postJson("/v2/models/digits-mlp/versions/2/infer", request(9))
        .statusCode());
    JsonNode after = stat("2");
    assertEquals(1, after.get("inference_count").asLong()
        - before.get("inference_count").asLong());
    assertEquals(1, after.get("execution_count").asLong()
        - before.get("execution_count").asLong());
    String text = Http.text(http.get("/prometheus"));
    for (String series : List.of(
        "planline_requests_total{model=\"digits-mlp\",outcome=\"success\",version=\"2\"} ",
        "planline_queue_wait_seconds_count{model=\"digits-mlp\",version=\"2\"} ",
        "planline_compute_seconds_count{model=\"digits-mlp\",phase=\"infer\",version=\"2\"} ",
        "planline_executions_total{model=\"digits-mlp\",version=\"2\"} ")) {
      assertTrue(OverloadTest.counter(http, series) >= 1, series + " in\n" + text);
    }
  }

  @Test
  void modelStats_twoVersions_oneEntryEach() {
    HttpResponse<byte[]> r = http.get("/v2/models/digits-mlp/stats");
    assertEquals(200, r.statusCode(), Http.text(r));
    List<String> versions = new ArrayList<>();
    Http.json(r).get("model_stats").forEach(m -> versions.add(m.get("version").asText()));
    assertEquals(List.of("1", "2"), versions);
  }

  private JsonNode stat(String version) {
    HttpResponse<byte[]> r = http.get(String.format(STATS, version));
    assertEquals(200, r.statusCode(), Http.text(r));
    return Http.json(r).get("model_stats").get(0);
  }

  private static long delta(JsonNode before, JsonNode after, String duration, String field) {
    return after.get("inference_stats").get(duration).get(field).asLong()
        - before.get("inference_stats").get(duration).get(field).asLong();
  }
}
