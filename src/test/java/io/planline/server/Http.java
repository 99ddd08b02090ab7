package io.planline.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A real HTTP client (java.net.http) against a running server, with JSON helpers for tests. */
final class Http {

  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client = HttpClient.newHttpClient();
  private final URI base;

  Http(EmbeddedServer server) {
    this.base = URI.create(server.getURL().toString());
  }

  /** GET {@code path}. */
  HttpResponse<byte[]> get(String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET().build());
  }

  /** POST a JSON text to {@code path}. */
  HttpResponse<byte[]> postJson(String path, String json) {
    return post(path, "application/json", Map.of(), json.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * POSTs each of {@code jsons} to {@code path} from its own thread, all at once (so that a
   * batching model may take them as one batch), and returns the responses in the same order.
   */
  List<HttpResponse<byte[]>> postJsonAtOnce(String path, List<String> jsons) {
    ExecutorService clients = Executors.newFixedThreadPool(jsons.size());
    try {
      List<CompletableFuture<HttpResponse<byte[]>>> calls = jsons.stream()
          .map(j -> CompletableFuture.supplyAsync(() -> postJson(path, j), clients)).toList();
      return calls.stream().map(CompletableFuture::join).toList();
    } finally {
      clients.shutdownNow();
    }
  }

  /** POST {@code body} with {@code contentType} and extra headers. */
  HttpResponse<byte[]> post(String path, String contentType, Map<String, String> headers,
      byte[] body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return send(b.build());
  }

  /** POST with no body and no Content-Type, as Triton's client posts the repository index. */
  HttpResponse<byte[]> postEmpty(String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.noBody())
        .build());
  }

  private HttpResponse<byte[]> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The body as JSON. */
  /**
   * The name of a model's first input (or output) as the metadata endpoint gives it: tests take
   * names from the server, so they hold for any runtime serving the built-in models' contract.
   */
  String tensorName(String model, String side) {
    return json(get("/v2/models/" + model)).get(side).get(0).get("name").asText();
  }

  static JsonNode json(HttpResponse<byte[]> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + text(r), e);
    }
  }

  /** The body as text. */
  static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  /** The {@code error} message of an error body. */
  static String error(HttpResponse<byte[]> r) {
    JsonNode e = json(r).get("error");
    if (e == null || !e.isTextual()) {
      throw new AssertionError("no {\"error\": ...} body: " + text(r));
    }
    return e.textValue();
  }
}
