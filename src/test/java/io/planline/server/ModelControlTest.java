package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.context.annotation.Property;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.exec.Admission;
import io.planline.exec.LocalInferenceService;
import io.planline.ir.Device;
import io.planline.metrics.PlanlineMetrics;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Explicit model control through the real server, in the shapes Triton's HTTP client sends:
 * {@code load_model(name)} posts {@code {}}, {@code unload_model(name)} posts
 * {@code {"parameters": {"unload_dependents": false}}}; other clients post nothing. One slot
 * executes, so a test holding it keeps requests admitted and waiting.
 */
@MicronautTest
@Property(name = "planline.model-control", value = "explicit")
@Property(name = "planline.max-concurrent-requests", value = "1")
final class ModelControlTest {

  private static final String UNLOAD_BODY = "{\"parameters\": {\"unload_dependents\": false}}";

  @Inject
  EmbeddedServer server;

  @Inject
  LocalInferenceService runtime;

  @Inject
  PlanlineMetrics metrics;

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

  private HttpResponse<byte[]> inferMlp() {
    return http.postJson("/v2/models/digits-mlp/infer", "{\"inputs\":[{\"name\":\"x\",\"shape\":"
        + "[1,64],\"datatype\":\"FP32\",\"data\":" + InferJsonTest.pixels(64) + "}]}");
  }

  private HttpResponse<byte[]> inferCnn() {
    return http.postJson("/v2/models/digits-cnn/infer", BatchingTest.digits("x", "[1,1,8,8]",
        1, 64, 3));
  }

  /** The index entry of {@code model} (its only version). */
  private JsonNode state(String model) {
    HttpResponse<byte[]> r = http.postEmpty("/v2/repository/index");
    assertEquals(200, r.statusCode(), Http.text(r));
    for (JsonNode m : Http.json(r)) {
      if (m.get("name").asText().equals(model)) {
        return m;
      }
    }
    throw new AssertionError(model + " not in the index: " + Http.text(r));
  }

  @Test
  void load_unknownModel_404NamingItAndTheKnownOnes() {
    HttpResponse<byte[]> r = http.postJson("/v2/repository/models/no-such-model/load", "{}");
    assertEquals(404, r.statusCode(), Http.text(r));
    String error = Http.error(r);
    assertTrue(error.contains("'no-such-model'") && error.contains("digits-mlp"), error);
    HttpResponse<byte[]> u = http.postJson("/v2/repository/models/no-such-model/unload",
        UNLOAD_BODY);
    assertEquals(404, u.statusCode(), Http.text(u));
  }

  @Test
  void load_twiceWhileLoaded_idempotent200AndStaysReady() {
    HttpResponse<byte[]> first = http.postJson("/v2/repository/models/tiny-gpt/load", "{}");
    assertEquals(200, first.statusCode(), Http.text(first));
    HttpResponse<byte[]> second = http.postEmpty("/v2/repository/models/tiny-gpt/load");
    assertEquals(200, second.statusCode(), Http.text(second));
    assertEquals("READY", state("tiny-gpt").get("state").asText());
    assertEquals(200, http.get("/v2/models/tiny-gpt/ready").statusCode());
  }

  @Test
  void load_configOverride_400SayingItIsNotSupported() {
    HttpResponse<byte[]> r = http.postJson("/v2/repository/models/tiny-gpt/load",
        "{\"parameters\": {\"config\": \"{}\"}}");
    assertEquals(400, r.statusCode(), Http.text(r));
    assertTrue(Http.error(r).contains("'config' is not supported"), Http.error(r));
  }

  @Test
  void unload_badParameters_400NamingThem() {
    HttpResponse<byte[]> r = http.postJson("/v2/repository/models/tiny-gpt/unload",
        "{\"parameters\": {\"unload_dependents\": \"no\"}}");
    assertEquals(400, r.statusCode(), Http.text(r));
    assertTrue(Http.error(r).contains("'unload_dependents' must be a boolean"), Http.error(r));
    HttpResponse<byte[]> notObject = http.postJson("/v2/repository/models/tiny-gpt/unload",
        "[1]");
    assertEquals(400, notObject.statusCode(), Http.text(notObject));
    assertEquals("READY", state("tiny-gpt").get("state").asText());
  }

  @Test
  void unload_thenInferAndReload_clearErrorThenServedAgainWithStatsKept() {
    assertEquals(200, inferCnn().statusCode());
    HttpResponse<byte[]> r = http.postJson("/v2/repository/models/digits-cnn/unload",
        UNLOAD_BODY);
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode s = state("digits-cnn");
    assertEquals("UNAVAILABLE", s.get("state").asText(), s.toString());
    assertEquals("unloaded", s.get("reason").asText(), s.toString());
    assertFalse(Http.text(http.postJson("/v2/repository/index", "{\"ready\": true}"))
        .contains("digits-cnn"));

    HttpResponse<byte[]> infer = inferCnn();
    assertEquals(404, infer.statusCode(), Http.text(infer));
    String error = Http.error(infer);
    assertTrue(error.contains("'digits-cnn' version '1' is not loaded")
        && error.contains("/v2/repository/models/digits-cnn/load"), error);
    assertEquals(404, http.get("/v2/models/digits-cnn").statusCode());
    assertEquals(404, http.get("/v2/models/digits-cnn/ready").statusCode());
    // The weights are gone; the counters outlive the unload, as Prometheus counters must.
    assertTrue(runtime.loaded().stream().noneMatch(m -> m.name().equals("digits-cnn")));
    assertEquals(0, OverloadTest.counter(http,
        "planline_memory_weights_bytes{device=\"cpu\",model=\"digits-cnn\"} "));
    HttpResponse<byte[]> stats = http.get("/v2/models/digits-cnn/stats");
    assertEquals(200, stats.statusCode(), Http.text(stats));
    JsonNode stat = Http.json(stats).get("model_stats").get(0);
    assertTrue(stat.get("inference_stats").get("success").get("count").asLong() >= 1, stat
        .toString());
    assertTrue(OverloadTest.counter(http, "planline_requests_total{model=\"digits-cnn\","
        + "outcome=\"not_found\",version=\"1\"} ") >= 1);

    HttpResponse<byte[]> load = http.postJson("/v2/repository/models/digits-cnn/load", "{}");
    assertEquals(200, load.statusCode(), Http.text(load));
    assertEquals("READY", state("digits-cnn").get("state").asText());
    assertEquals(200, inferCnn().statusCode());
    assertTrue(OverloadTest.counter(http,
        "planline_memory_weights_bytes{device=\"cpu\",model=\"digits-cnn\"} ") > 0);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void unload_whileRequestsAdmitted_theyFinishNewOnesRefusedThenReleased() throws Exception {
    long baseline = metrics.inUse(Device.CPU);
    Admission admission = runtime.admission();
    // Holding the only execution slot keeps the requests below admitted and waiting.
    Admission.Ticket slot = admission.admit(1).block();
    List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
    try {
      for (int j = 0; j < 3; j++) {
        calls.add(CompletableFuture.supplyAsync(this::inferMlp, clients));
      }
      while (admission.queued() < 3) {
        // Waiting for the requests to reach the queue; the @Timeout bounds it.
        Thread.sleep(5);
      }
      HttpResponse<byte[]> unload = http.postJson("/v2/repository/models/digits-mlp/unload",
          UNLOAD_BODY);
      assertEquals(200, unload.statusCode(), Http.text(unload));
      assertEquals("UNLOADING", state("digits-mlp").get("state").asText());
      HttpResponse<byte[]> late = inferMlp();
      assertEquals(503, late.statusCode(), Http.text(late));
      assertTrue(Http.error(late).contains("UNLOADING"), Http.error(late));
      // The server stays ready: the model goes away on purpose.
      assertEquals(200, http.get("/v2/health/ready").statusCode());
    } finally {
      slot.release();
    }
    for (var c : calls) {
      HttpResponse<byte[]> r = c.get();
      assertEquals(200, r.statusCode(), Http.text(r));
      assertEquals(10, Http.json(r).get("outputs").get(0).get("data").size());
    }
    // The last admitted request released the model before its answer left.
    JsonNode s = state("digits-mlp");
    assertEquals("UNAVAILABLE", s.get("state").asText(), s.toString());
    assertEquals("unloaded", s.get("reason").asText());
    assertTrue(runtime.loaded().stream().noneMatch(m -> m.name().equals("digits-mlp")));
    assertEquals(0, OverloadTest.counter(http,
        "planline_memory_weights_bytes{device=\"cpu\",model=\"digits-mlp\"} "));
    assertEquals(baseline, metrics.inUse(Device.CPU), "request memory back to its baseline");
    assertEquals(200, http.postJson("/v2/repository/models/digits-mlp/load", "{}").statusCode());
    assertEquals(200, inferMlp().statusCode());
  }

  @Test
  void index_loadedModel_readyWithNoReason() {
    JsonNode s = state("tiny-gpt");
    assertEquals("READY", s.get("state").asText());
    assertFalse(s.has("reason"), s.toString());
    HttpResponse<byte[]> ready = http.get("/v2/health/ready");
    assertEquals(200, ready.statusCode(), Http.text(ready));
    assertTrue(Http.json(ready).get("ready").asBoolean());
  }
}
