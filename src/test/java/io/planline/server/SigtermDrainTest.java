package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 9, against a real server process stopped with SIGTERM under load: readiness
 * turns 503 while the process still answers, a new request gets 503 with {@code Retry-After},
 * every request admitted before the signal (the running one and the queued ones) is answered
 * in full, and the process exits with status 0.
 */
final class SigtermDrainTest {

  private static final int REQUESTS = 4;

  @Test
  void sigterm_underLoad_admittedFinishNewRefusedExitZero() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = Files.createTempFile("planline-sigterm", ".log");
    Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-cp", System.getProperty("java.class.path"), "io.planline.Main", "serve",
        "--micronaut.server.port=" + port, "--planline.grpc-port=0",
        "--planline.max-concurrent-requests=1",
        "--planline.shutdown-timeout-seconds=120")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      HttpClient client = HttpClient.newHttpClient();
      URI base = URI.create("http://localhost:" + port);
      awaitReady(client, base, server, log.toFile());
      String body = OverloadTest.heavyRequest(32);
      List<CompletableFuture<HttpResponse<byte[]>>> admitted = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        admitted.add(client.sendAsync(HttpRequest.newBuilder(base.resolve(
            "/v2/models/tiny-gpt/infer")).POST(HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json").build(),
            HttpResponse.BodyHandlers.ofByteArray()));
      }
      awaitAdmitted(client, base);
      server.destroy(); // SIGTERM

      int ready = 200;
      for (int i = 0; i < 2000 && ready == 200; i++) {
        ready = get(client, base, "/v2/health/ready").statusCode();
      }
      assertEquals(503, ready, "readiness says 503 while the process drains");
      HttpResponse<byte[]> late = client.send(HttpRequest.newBuilder(base.resolve(
          "/v2/models/tiny-gpt/infer")).POST(HttpRequest.BodyPublishers.ofString(body))
          .header("Content-Type", "application/json").build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(503, late.statusCode());
      assertTrue(late.headers().firstValue("Retry-After").isPresent());

      for (var f : admitted) {
        HttpResponse<byte[]> r = f.get(300, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), Http.text(r));
        JsonNode out = Http.JSON.readTree(r.body()).get("outputs").get(0);
        assertEquals(32 * 64 * 256, out.get("data").size(), "the whole response arrived");
      }
      assertTrue(server.waitFor(300, TimeUnit.SECONDS), "the process exits");
      assertEquals(0, server.exitValue(), Files.readString(log));
    } finally {
      server.destroyForcibly();
      Files.deleteIfExists(log);
    }
  }

  private static HttpResponse<byte[]> get(HttpClient client, URI base, String path)
      throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static void awaitReady(HttpClient client, URI base, Process server, File log)
      throws Exception {
    for (int i = 0; i < 1200; i++) {
      if (!server.isAlive()) {
        throw new AssertionError("the server stopped: " + Files.readString(log.toPath()));
      }
      try {
        if (get(client, base, "/v2/health/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the server never became ready: " + Files.readString(log.toPath()));
  }

  /** Until one request runs and the others wait in the queue. */
  private static void awaitAdmitted(HttpClient client, URI base) throws Exception {
    String running = "planline_requests_in_flight{model=\"tiny-gpt\",} ";
    String queued = "planline_queue_depth{model=\"tiny-gpt\",} ";
    for (int i = 0; i < 3000; i++) {
      String text = new String(get(client, base, "/prometheus").body());
      if (value(text, running) + value(text, queued) == REQUESTS) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the requests were never all admitted");
  }

  private static double value(String exposition, String prefix) {
    return exposition.lines().filter(l -> l.startsWith(prefix.replace(",}", "}"))
            || l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst().orElse(0);
  }
}
