package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micronaut.context.annotation.Property;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 7: {@code planline.max-request-bytes} alone governs the body limit; Micronaut's
 * 10 MiB body buffer used to refuse bodies the documented limit allows.
 */
@MicronautTest
@Property(name = "planline.max-request-bytes", value = "12582912")
final class LargeBodyTest {

  @Inject
  EmbeddedServer server;

  @Test
  void infer_11MiBBodyUnder12MiBLimit_accepted() {
    Http http = new Http(server);
    String request = "{\"inputs\":[{\"name\":\"" + http.tensorName("digits-mlp", "inputs")
        + "\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":" + InferJsonTest.pixels(64)
        + "}]}";
    String body = request + " ".repeat(11 << 20); // whitespace after the JSON is no token
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-mlp/infer", body);
    assertEquals(200, r.statusCode(), Http.text(r));
  }

  @Test
  void infer_13MiBBody_413() {
    Http http = new Http(server);
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-mlp/infer", " ".repeat(13 << 20));
    assertEquals(413, r.statusCode());
  }
}
