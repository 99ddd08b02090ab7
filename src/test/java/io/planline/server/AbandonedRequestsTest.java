package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.exec.LocalInferenceService;
import io.planline.ir.Device;
import io.planline.metrics.PlanlineMetrics;
import jakarta.inject.Inject;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Clients that leave at any moment (while their request waits, runs or streams its answer) give
 * back every admission slot and every device byte: afterwards nothing is admitted, nothing is
 * queued, no memory is held, and a drain completes at once.
 */
@MicronautTest
final class AbandonedRequestsTest {

  @Inject
  EmbeddedServer server;

  @Inject
  LocalInferenceService runtime;

  @Inject
  PlanlineMetrics metrics;

  @Test
  void infer_manyClientsLeaveAtRandomMoments_noSlotOrByteLeaks() throws Exception {
    List<CompletableFuture<Void>> clients = new ArrayList<>();
    for (int c = 0; c < 6; c++) {
      int seed = c;
      clients.add(CompletableFuture.runAsync(() -> abandonSome(seed, 40)));
    }
    CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).join();
    for (int i = 0; i < 6000 && (runtime.admission().running() > 0
        || runtime.admission().queued() > 0 || runtime.executor().backend().bytesInUse() > 0);
        i++) {
      Thread.sleep(10);
    }
    assertEquals(0, runtime.admission().running(), "admission slots still held");
    assertEquals(0, runtime.admission().queued(), "requests still queued");
    assertEquals(0, runtime.executor().backend().bytesInUse(), "device bytes still held");
    // The gauge follows the last report, which must be the last release's.
    for (int i = 0; i < 6000 && metrics.inUse(Device.CPU) != 0; i++) {
      Thread.sleep(10);
    }
    assertEquals(0, metrics.inUse(Device.CPU), "planline_memory_in_use_bytes");
  }

  private void abandonSome(int seed, int count) {
    Random rnd = new Random(seed);
    for (int i = 0; i < count; i++) {
      byte[] body = OverloadTest.heavyRequest(1 + rnd.nextInt(12))
          .getBytes(StandardCharsets.UTF_8);
      try (Socket socket = new Socket(server.getHost(), server.getPort())) {
        RawHttp.post(socket, "/v2/models/tiny-gpt/infer", body);
        Thread.sleep(rnd.nextInt(30));
        if (rnd.nextBoolean()) {
          socket.getInputStream().readNBytes(rnd.nextInt(64 * 1024));
        }
      } catch (Exception e) {
        // the server may close first; either way the client is gone
      }
    }
  }
}
