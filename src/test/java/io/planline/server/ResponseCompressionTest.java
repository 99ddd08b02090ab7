package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Infer responses go out uncompressed even when the client offers gzip (as Go's HTTP client
 * always does): compressing tensor data cost more than it saved (application.yml says why).
 */
@MicronautTest
final class ResponseCompressionTest {

  @Inject
  EmbeddedServer server;

  @Test
  void infer_clientAcceptsGzip_getsThePlainJsonBody() {
    Http http = new Http(server);
    StringBuilder tokens = new StringBuilder();
    for (int i = 0; i < 64; i++) {
      tokens.append(i == 0 ? "" : ",").append(i * 3 % 256);
    }
    String body = "{\"inputs\": [{\"name\": \"tokens\", \"shape\": [1, 64], \"datatype\": "
        + "\"INT64\", \"data\": [" + tokens + "]}]}";
    HttpResponse<byte[]> r = http.post("/v2/models/tiny-gpt/infer", "application/json",
        Map.of("Accept-Encoding", "gzip, deflate"), body.getBytes(StandardCharsets.UTF_8));
    assertEquals(200, r.statusCode(), Http.text(r));
    assertTrue(r.headers().firstValue("Content-Encoding").isEmpty(),
        r.headers().map().toString());
    // 64 x 256 logits as JSON text: readable as it came, streamed in chunks
    assertEquals(64 * 256, Http.json(r).get("outputs").get(0).get("data").size());
    assertTrue(r.headers().firstValue("Content-Length").isEmpty(), r.headers().map().toString());
  }

  /** A small answer goes out whole, with its length, in one write instead of a chunked stream. */
  @Test
  void infer_smallJsonAnswer_isSentWholeWithItsLength() {
    Http http = new Http(server);
    StringBuilder x = new StringBuilder();
    for (int i = 0; i < 64; i++) {
      x.append(i == 0 ? "" : ",").append(i % 16);
    }
    String body = "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 64], \"datatype\": "
        + "\"FP32\", \"data\": [" + x + "]}]}";
    HttpResponse<byte[]> r = http.post("/v2/models/digits-mlp/infer", "application/json",
        Map.of(), body.getBytes(StandardCharsets.UTF_8));
    assertEquals(200, r.statusCode(), Http.text(r));
    assertEquals(String.valueOf(r.body().length), r.headers().firstValue("Content-Length")
        .orElse("none"), r.headers().map().toString());
    assertEquals(10, Http.json(r).get("outputs").get(0).get("data").size());
  }
}
