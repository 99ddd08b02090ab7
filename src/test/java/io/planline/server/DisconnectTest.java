package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that goes away mid-request cancels it: the runtime's Mono is cancelled (so its memory
 * is freed) and the request is counted as {@code cancelled}. DEPENDS ON the test stand-in
 * {@link LinearInferenceService} (its hold hook and admission count).
 */
@MicronautTest
final class DisconnectTest {

  @Inject
  EmbeddedServer server;

  @Inject
  LinearInferenceService runtime;

  @AfterEach
  void reset() {
    runtime.release();
  }

  private double cancelled(Http http) {
    String prefix = "planline_requests_total{model=\"digits-mlp\",outcome=\"cancelled\"} ";
    return Http.text(http.get("/prometheus")).lines().filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).findFirst()
        .orElseThrow();
  }

  @Test
  void infer_clientDisconnects_runtimeCancelledAndCounted() throws Exception {
    Http http = new Http(server);
    double before = cancelled(http);
    runtime.hold();
    byte[] body = ("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":"
        + InferJsonTest.pixels(64) + "}]}").getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket(server.getHost(), server.getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v2/models/digits-mlp/infer HTTP/1.1\r\nHost: localhost\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      for (int i = 0; i < 1000 && runtime.admitted() == 0; i++) {
        Thread.sleep(10);
      }
      assertEquals(1, runtime.admitted(), "the request never reached the runtime");
    }
    // Bounded wait for the server to notice the closed connection.
    for (int i = 0; i < 1000 && runtime.admitted() > 0; i++) {
      Thread.sleep(10);
    }
    assertEquals(0, runtime.admitted(), "the runtime's request was not cancelled");
    assertEquals(before + 1, cancelled(http));
  }
}
