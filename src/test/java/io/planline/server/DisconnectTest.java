package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.exec.LocalInferenceService;
import jakarta.inject.Inject;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A client that goes away mid-request cancels it: the runtime stops the request, frees its memory
 * and counts it as {@code cancelled}.
 */
@MicronautTest
final class DisconnectTest {

  @Inject
  EmbeddedServer server;

  @Inject
  LocalInferenceService runtime;

  @Test
  void infer_answered_countedAsSuccessNotCancelled() {
    Http http = new Http(server);
    String cancelled = "planline_requests_total{model=\"digits-mlp\",outcome=\"cancelled\""
        + ",version=\"1\"} ";
    String success = "planline_requests_total{model=\"digits-mlp\",outcome=\"success\""
        + ",version=\"1\"} ";
    double cancelledBefore = OverloadTest.counter(http, cancelled);
    double successBefore = OverloadTest.counter(http, success);
    for (int i = 0; i < 3; i++) {
      var r = http.postJson("/v2/models/digits-mlp/infer", "{\"inputs\":[{\"name\":\"x\","
          + "\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":" + InferJsonTest.pixels(64)
          + "}]}");
      assertEquals(200, r.statusCode());
    }
    assertEquals(successBefore + 3, OverloadTest.counter(http, success));
    assertEquals(cancelledBefore, OverloadTest.counter(http, cancelled));
  }

  @Test
  void infer_clientDisconnects_runtimeCancelledMemoryFreedAndCounted() throws Exception {
    Http http = new Http(server);
    String prefix = "planline_requests_total{model=\"tiny-gpt\",outcome=\"cancelled\""
        + ",version=\"1\"} ";
    double before = OverloadTest.counter(http, prefix);
    long baseline = runtime.executor().backend().bytesInUse();
    byte[] body = OverloadTest.heavyRequest(64).getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket(server.getHost(), server.getPort())) {
      RawHttp.post(socket, "/v2/models/tiny-gpt/infer", body);
      for (int i = 0; i < 1000 && runtime.admission().running() == 0; i++) {
        Thread.sleep(5);
      }
      assertEquals(1, runtime.admission().running(), "the request never started");
    }
    Settled.nothingRunning(runtime);
    Settled.memoryBack(runtime, baseline);
    assertEquals(before + 1, OverloadTest.counter(http, prefix));
  }
}
