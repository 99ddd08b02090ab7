package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micronaut.context.annotation.Property;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 8: idle connections are closed after {@code planline.idle-timeout-seconds}, and
 * no more than {@code planline.max-connections} are open at once.
 */
@MicronautTest
@Property(name = "planline.max-connections", value = "3")
@Property(name = "planline.idle-timeout-seconds", value = "1")
final class ConnectionLimitsTest {

  @Inject
  EmbeddedServer server;

  @Inject
  ConnectionGuard guard;

  private Socket connect() throws IOException {
    Socket s = new Socket(server.getHost(), server.getPort());
    s.setSoTimeout(60_000);
    return s;
  }

  private void awaitOpen(int count) throws InterruptedException {
    for (int i = 0; i < 6000 && guard.open() != count; i++) {
      Thread.sleep(10);
    }
    assertEquals(count, guard.open());
  }

  @Test
  void connect_overTheCap_closedAtOnce_thenServedWhenIdleOnesTimeOut() throws Exception {
    awaitOpen(0);
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        idle.add(connect());
      }
      awaitOpen(3);
      int refused = guard.refused();
      try (Socket extra = connect()) {
        assertEquals(-1, extra.getInputStream().read(), "the fourth connection is closed");
      }
      assertEquals(refused + 1, guard.refused(), "closed by the cap, not by the idle timeout");
      // Each idle connection is closed by the server (end of stream), freeing its place.
      for (Socket s : idle) {
        assertEquals(-1, s.getInputStream().read());
      }
      awaitOpen(0);
      assertEquals(200, new Http(server).get("/v2/health/live").statusCode());
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
  }
}
