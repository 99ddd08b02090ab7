package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.annotation.Property;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * With one request executing and no queue, simultaneous heavy requests beyond the first are
 * refused at once with 503 and {@code Retry-After}, and counted; none fails otherwise.
 */
@MicronautTest
@Property(name = "planline.max-concurrent-requests", value = "1")
@Property(name = "planline.queue-capacity", value = "0")
@Property(name = "planline.retry-after-seconds", value = "3")
final class OverloadTest {

  @Inject
  EmbeddedServer server;

  /** A tiny-gpt request of 32 sequences of 64 tokens: a few hundred ms on this CPU. */
  static String heavyRequest(int batch) {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < batch * 64; i++) {
      data.append(i == 0 ? "" : ",").append(i % 256);
    }
    return "{\"inputs\":[{\"name\":\"tokens\",\"shape\":[" + batch + ",64],\"datatype\":\"INT64\","
        + "\"data\":[" + data + "]}]}";
  }

  static double counter(Http http, String prefix) {
    return Http.text(http.get("/prometheus")).lines().filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + prefix + "in /prometheus"));
  }

  @Test
  void infer_queueFull_503WithRetryAfterAndRefusalCounted() throws Exception {
    Http http = new Http(server);
    String refusals = "planline_admission_refusals_total{reason=\"queue_full\"} ";
    double before = counter(http, refusals);
    HttpClient client = HttpClient.newHttpClient();
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      calls.add(client.sendAsync(HttpRequest.newBuilder(URI.create(server.getURL()
              + "/v2/models/tiny-gpt/infer")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(heavyRequest(32))).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    int refused = 0;
    for (var call : calls) {
      HttpResponse<String> r = call.get();
      if (r.statusCode() == 503) {
        refused++;
        assertEquals("3", r.headers().firstValue("Retry-After").orElse(""));
        assertTrue(r.body().contains("queue"), r.body());
      } else {
        assertEquals(200, r.statusCode(), r.body());
        ok++;
      }
    }
    assertTrue(ok >= 1 && refused >= 1, ok + " served, " + refused + " refused");
    assertEquals(before + refused, counter(http, refusals));
  }
}
