package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.exec.PathWarmup;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The server's start warms the request path (exec/PathWarmup) with the built-in digits-cnn, and
 * none of it shows in what the server serves.
 */
@MicronautTest
final class StartupWarmupTest {

  @Inject
  EmbeddedServer server;

  @Inject
  RuntimeFactory factory;

  @Test
  void theServersStartRanTheWarmup() {
    // once() runs the warm-up only the first time in a process and hands every later caller
    // that run's result, so whatever ran first in this JVM, the factory holds it only if it
    // asked for it while making the runtime
    PathWarmup.Result r = factory.warmup();
    assertNotNull(r, "the runtime's factory did not run the warm-up");
    assertTrue(r.requests() > 0, "requests: " + r.requests());
    assertSame(r, PathWarmup.once(), "one warm-up per process");
  }

  @Test
  void theServedDigitsCnnCountsNoneOfTheWarmupsRequests() {
    HttpResponse<byte[]> r = new Http(server).get("/v2/models/digits-cnn/stats");
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode stats = Http.json(r).get("model_stats").get(0);
    assertEquals(0, stats.get("inference_count").asLong());
    assertEquals(0, stats.get("inference_stats").get("success").get("count").asLong());
  }
}
