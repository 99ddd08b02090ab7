package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.exec.LocalInferenceService;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** A draining server (shutting down) reports not ready and refuses new requests with 503. */
@MicronautTest
final class DrainTest {

  @Inject
  EmbeddedServer server;

  @Inject
  LocalInferenceService runtime;

  @Test
  void drain_readinessAndInfer_503WithRetryAfter() {
    Http http = new Http(server);
    assertEquals(200, http.get(ServerController.READY).statusCode());
    runtime.drain();
    assertEquals(503, http.get(ServerController.READY).statusCode());
    assertEquals(503, http.get("/v2/models/digits-mlp/ready").statusCode());
    assertEquals(200, http.get("/v2/health/live").statusCode(), "still live while draining");
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-mlp/infer",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":"
            + InferJsonTest.pixels(64) + "}]}");
    assertEquals(503, r.statusCode());
    assertTrue(r.headers().firstValue("Retry-After").isPresent());
  }
}
