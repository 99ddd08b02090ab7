package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.annotation.Property;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 503 with {@code Retry-After} when the queue is full or a model is not ready, and the refusal
 * counters. DEPENDS ON the test stand-in {@link LinearInferenceService} (its hold/release and
 * readiness hooks); port to the real runtime's test hooks when it lands.
 */
@MicronautTest
@Property(name = "planline.max-concurrent-requests", value = "1")
@Property(name = "planline.queue-capacity", value = "0")
@Property(name = "planline.retry-after-seconds", value = "3")
final class OverloadTest {

  @Inject
  EmbeddedServer server;

  @Inject
  LinearInferenceService runtime;

  Http http;

  @BeforeEach
  void client() {
    http = new Http(server);
  }

  @AfterEach
  void reset() {
    runtime.release();
    runtime.setReady("digits-mlp", true);
  }

  private static String request() {
    return "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":"
        + InferJsonTest.pixels(64) + "}]}";
  }

  private double refusals(String reason) {
    String text = Http.text(http.get("/prometheus"));
    String prefix = "planline_admission_refusals_total{reason=\"" + reason + "\"} ";
    return text.lines().filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + prefix + "in /prometheus"));
  }

  @Test
  void infer_queueFull_503WithRetryAfterAndRefusalCounted() throws Exception {
    double before = refusals("queue_full");
    runtime.hold();
    HttpRequest first = HttpRequest.newBuilder(URI.create(server.getURL() + "/v2/models/digits-mlp"
        + "/infer")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(request())).build();
    CompletableFuture<HttpResponse<String>> running = HttpClient.newHttpClient()
        .sendAsync(first, HttpResponse.BodyHandlers.ofString());
    // Wait (bounded) until the first request holds the only execution slot.
    for (int i = 0; i < 1000 && runtime.admitted() == 0; i++) {
      Thread.sleep(10);
    }
    assertEquals(1, runtime.admitted(), "the first request never reached the runtime");

    HttpResponse<byte[]> refused = http.postJson("/v2/models/digits-mlp/infer", request());
    assertEquals(503, refused.statusCode(), Http.text(refused));
    assertEquals("3", refused.headers().firstValue("Retry-After").orElse(""));
    assertTrue(Http.error(refused).contains("queue"), Http.error(refused));
    assertEquals(before + 1, refusals("queue_full"));

    runtime.release();
    assertEquals(200, running.get().statusCode());
  }

  @Test
  void infer_modelNotReady_503WithRetryAfter() {
    runtime.setReady("digits-mlp", false);
    double before = refusals("not_ready");
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-mlp/infer", request());
    assertEquals(503, r.statusCode());
    assertEquals("3", r.headers().firstValue("Retry-After").orElse(""));
    assertTrue(Http.error(r).contains("not ready"), Http.error(r));
    assertEquals(before + 1, refusals("not_ready"));
  }

  @Test
  void ready_oneModelNotReady_503NamingIt() {
    runtime.setReady("digits-mlp", false);
    HttpResponse<byte[]> model = http.get("/v2/models/digits-mlp/ready");
    assertEquals(503, model.statusCode());
    HttpResponse<byte[]> server = http.get(ServerController.READY);
    assertEquals(503, server.statusCode());
    assertTrue(Http.error(server).contains("digits-mlp"), Http.error(server));
    assertEquals(200, http.get("/v2/models/tiny-gpt/ready").statusCode());
  }
}
