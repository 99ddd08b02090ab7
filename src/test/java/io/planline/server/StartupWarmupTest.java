package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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

  @Test
  void theServersStartRanTheWarmupAlready() {
    // once() runs only the first time in a process; the runtime's factory called it at start
    assertNull(PathWarmup.once(), "the warm-up ran again: the server's start did not run it");
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
