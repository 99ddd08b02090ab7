package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.annotation.Property;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A body over {@code planline.max-request-bytes} is refused with 413 before it is decoded. */
@MicronautTest
@Property(name = "planline.max-request-bytes", value = "1024")
final class RequestLimitTest {

  @Inject
  EmbeddedServer server;

  @Test
  void infer_bodyOverLimit_413NamingLimit() {
    Http http = new Http(server);
    String big = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,600],\"datatype\":\"FP32\",\"data\":["
        + "0,".repeat(599) + "0]}]}";
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-mlp/infer", big);
    assertEquals(413, r.statusCode(), Http.text(r));
    assertTrue(Http.error(r).contains("1024 bytes"), Http.error(r));
  }

  @Test
  void infer_binaryBodyOverLimit_413() {
    Http http = new Http(server);
    String json = "{\"inputs\":[{\"name\":\"x\",\"shape\":[8,64],\"datatype\":\"FP32\","
        + "\"parameters\":{\"binary_data_size\":2048}}]}";
    byte[] body = InferBinaryTest.framed(json, new byte[2048]);
    HttpResponse<byte[]> r = http.post("/v2/models/digits-mlp/infer", "application/octet-stream",
        Map.of(InferRequestReader.HEADER_LENGTH, Integer.toString(json.length())), body);
    assertEquals(413, r.statusCode());
    Http.error(r);
  }

  @Test
  void infer_bodyOverLimit_countedAsTooLarge() {
    Http http = new Http(server);
    String tooLarge = "planline_requests_total{model=\"digits-mlp\",outcome=\"too_large\""
        + ",version=\"1\"} ";
    double before = OverloadTest.counter(http, tooLarge);
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-mlp/infer", "[" + "0,".repeat(2000)
        + "0]");
    assertEquals(413, r.statusCode());
    assertEquals(before + 1, OverloadTest.counter(http, tooLarge));
  }

  @Test
  void infer_chunkedBodyOverLimit_413Counted() throws Exception {
    Http http = new Http(server);
    String tooLarge = "planline_requests_total{model=\"digits-mlp\",outcome=\"too_large\""
        + ",version=\"1\"} ";
    double before = OverloadTest.counter(http, tooLarge);
    String status = RawHttp.exchange(server, "POST /v2/models/digits-mlp/infer HTTP/1.1\r\n"
        + "Host: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n" + "400\r\n" + "x".repeat(1024) + "\r\n"
        + "400\r\n" + "x".repeat(1024) + "\r\n0\r\n\r\n");
    assertTrue(status.startsWith("HTTP/1.1 413"), status);
    assertEquals(before + 1, OverloadTest.counter(http, tooLarge));
  }

  @Test
  void get_overLongUrl_414WithJsonError() throws Exception {
    String answer = RawHttp.exchange(server, "GET /v2/models/" + "m".repeat(9000)
        + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assertTrue(answer.startsWith("HTTP/1.1 414"), answer);
    assertTrue(answer.contains("{\"error\":"), answer);
  }

  @Test
  void get_overLongHeader_431WithJsonError() throws Exception {
    String answer = RawHttp.exchange(server, "GET /v2/health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close"
        + "\r\nX-Big: " + "h".repeat(20000) + "\r\n\r\n");
    assertTrue(answer.startsWith("HTTP/1.1 431"), answer);
    assertTrue(answer.contains("{\"error\":"), answer);
  }

  @Test
  void infer_bodyUnderLimit_notRefused() {
    Http http = new Http(server);
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-mlp/infer", "{\"inputs\": []}");
    assertEquals(400, r.statusCode());
  }
}
