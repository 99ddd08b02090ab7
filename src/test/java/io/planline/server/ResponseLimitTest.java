package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.annotation.Property;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.exec.LocalInferenceService;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 3: a response that would exceed {@code planline.max-response-bytes} is refused
 * (400, with its size) before it runs; large responses stream, and one whose client stops
 * reading and leaves is counted as {@code cancelled}, never {@code success}.
 */
@MicronautTest
@Property(name = "planline.max-response-bytes", value = "8000000")
final class ResponseLimitTest {

  private static final String SUCCESS =
      "planline_requests_total{model=\"tiny-gpt\",outcome=\"success\",version=\"1\"} ";
  private static final String CANCELLED =
      "planline_requests_total{model=\"tiny-gpt\",outcome=\"cancelled\",version=\"1\"} ";

  @Inject
  EmbeddedServer server;

  @Inject
  LocalInferenceService runtime;

  @Test
  void infer_jsonResponseOverLimit_400SayingHowBigBeforeRunning() {
    Http http = new Http(server);
    double compiledBefore = OverloadTest.counter(http,
        "planline_requests_total{model=\"tiny-gpt\",outcome=\"bad_request\",version=\"1\"} ");
    HttpResponse<byte[]> r = http.postJson("/v2/models/tiny-gpt/infer",
        OverloadTest.heavyRequest(64));
    assertEquals(400, r.statusCode(), Http.text(r));
    String error = Http.error(r);
    assertTrue(error.contains("the response would take up to "), error);
    assertTrue(error.contains("over planline.max-response-bytes (8000000)"), error);
    assertTrue(error.contains("binary outputs"), error);
    assertEquals(0, runtime.executor().backend().bytesInUse());
    assertEquals(compiledBefore + 1, OverloadTest.counter(http,
        "planline_requests_total{model=\"tiny-gpt\",outcome=\"bad_request\",version=\"1\"} "));
  }

  @Test
  void infer_sameRequestAsBinary_fitsAndStreamsWhole() {
    Http http = new Http(server);
    String json = OverloadTest.heavyRequest(64).replace("{\"inputs\"",
        "{\"parameters\":{\"binary_data_output\":true},\"inputs\"");
    double before = OverloadTest.counter(http, SUCCESS);
    HttpResponse<byte[]> r = http.postJson("/v2/models/tiny-gpt/infer", json);
    assertEquals(200, r.statusCode(), Http.text(r));
    int header = Integer.parseInt(r.headers().firstValue(InferRequestReader.HEADER_LENGTH)
        .orElseThrow());
    long size = Http.JSON.valueToTree(parse(r.body(), header)).get("outputs").get(0)
        .get("parameters").get("binary_data_size").asLong();
    assertEquals(header + size, r.body().length, "header and every binary byte arrived");
    assertEquals(before + 1, OverloadTest.counter(http, SUCCESS));
  }

  @Test
  void infer_clientReadsNothingAndLeaves_countedCancelledNotSuccess() throws Exception {
    Http http = new Http(server);
    double success = OverloadTest.counter(http, SUCCESS);
    double cancelled = OverloadTest.counter(http, CANCELLED);
    // 16 x 64 tokens: about 3 MB of JSON, far more than the socket buffers take unread.
    byte[] body = OverloadTest.heavyRequest(16).getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket(server.getHost(), server.getPort())) {
      socket.setReceiveBufferSize(4096);
      RawHttp.post(socket, "/v2/models/tiny-gpt/infer", body);
      InputStream in = socket.getInputStream();
      byte[] first = in.readNBytes(12);
      assertEquals("HTTP/1.1 200", new String(first, StandardCharsets.US_ASCII));
    } // closed with most of the response unread
    for (int i = 0; i < 2000 && OverloadTest.counter(http, CANCELLED) == cancelled; i++) {
      Thread.sleep(5);
    }
    assertEquals(cancelled + 1, OverloadTest.counter(http, CANCELLED));
    assertEquals(success, OverloadTest.counter(http, SUCCESS));
  }

  private static Object parse(byte[] body, int length) {
    try {
      return Http.JSON.readTree(body, 0, length);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
