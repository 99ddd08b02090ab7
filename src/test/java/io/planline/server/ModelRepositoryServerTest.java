package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A model repository in Triton's layout, written to a temporary folder from the built-in models'
 * own folders ({@code mlp/1}, {@code mlp/2}: digits-mlp; {@code cnn/3}: digits-cnn), served with
 * explicit model control: the repository's models start unloaded, load on request with all their
 * versions, and the highest version is the default.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ModelRepositoryServerTest implements TestPropertyProvider {

  private static final Path BUILT_IN = Path.of("src", "main", "resources", "models");

  @Inject
  EmbeddedServer server;

  Http http;
  private Path root;

  /** Copies built-in model folders into a repository at a fresh temporary root. */
  static Path repository() {
    try {
      Path root = Files.createTempDirectory("planline-repository-");
      copy(BUILT_IN.resolve("digits-mlp"), root.resolve("mlp").resolve("1"));
      copy(BUILT_IN.resolve("digits-mlp"), root.resolve("mlp").resolve("2"));
      copy(BUILT_IN.resolve("digits-cnn"), root.resolve("cnn").resolve("3"));
      Files.writeString(root.resolve("mlp").resolve("config.pbtxt"), "name: \"mlp\"\n");
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else if (!f.getFileName().toString().endsWith(".onnx")) {
          Files.copy(f, target);
        }
      }
    }
  }

  static void delete(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.delete(f);
      }
    }
  }

  @Override
  public Map<String, String> getProperties() {
    root = repository();
    Map<String, String> p = new LinkedHashMap<>();
    p.put("planline.model-repository", root.toString());
    p.put("planline.model-control", "explicit");
    return p;
  }

  @AfterAll
  void removeRepository() throws IOException {
    delete(root);
  }

  @BeforeEach
  void client() {
    http = new Http(server);
  }

  private Map<String, String> states() {
    HttpResponse<byte[]> r = http.postEmpty("/v2/repository/index");
    assertEquals(200, r.statusCode(), Http.text(r));
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonNode m : Http.json(r)) {
      out.put(m.get("name").asText() + "/" + m.get("version").asText(),
          m.get("state").asText() + (m.has("reason") ? " " + m.get("reason").asText() : ""));
    }
    return out;
  }

  private HttpResponse<byte[]> inferMlp(String path) {
    return http.postJson(path, "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,64],\"datatype\":"
        + "\"FP32\",\"data\":" + InferJsonTest.pixels(64) + "}]}");
  }

  @Test
  void index_repositoryModels_unavailableUntilLoadedBesideTheConfiguredOnes() {
    Map<String, String> s = states();
    assertEquals("READY", s.get("digits-mlp/1"));
    assertEquals("UNAVAILABLE not loaded", s.get("cnn/3"));
    HttpResponse<byte[]> meta = http.get("/v2/models/cnn");
    assertEquals(404, meta.statusCode(), Http.text(meta));
    assertTrue(Http.error(meta).contains("'cnn' version '3' is not loaded"), Http.error(meta));
    HttpResponse<byte[]> stats = http.get("/v2/models/cnn/stats");
    assertEquals(200, stats.statusCode(), Http.text(stats));
    assertEquals("3", Http.json(stats).get("model_stats").get(0).get("version").asText());
  }

  @Test
  void load_repositoryModel_everyVersionReadyHighestIsDefault() {
    HttpResponse<byte[]> load = http.postJson("/v2/repository/models/mlp/load", "{}");
    assertEquals(200, load.statusCode(), Http.text(load));
    Map<String, String> s = states();
    assertEquals("READY", s.get("mlp/1"));
    assertEquals("READY", s.get("mlp/2"));
    JsonNode meta = Http.json(http.get("/v2/models/mlp"));
    List<String> versions = new ArrayList<>();
    meta.get("versions").forEach(v -> versions.add(v.asText()));
    assertEquals(List.of("1", "2"), versions);
    HttpResponse<byte[]> latest = inferMlp("/v2/models/mlp/infer");
    assertEquals(200, latest.statusCode(), Http.text(latest));
    assertEquals("2", Http.json(latest).get("model_version").asText());
    HttpResponse<byte[]> first = inferMlp("/v2/models/mlp/versions/1/infer");
    assertEquals(200, first.statusCode(), Http.text(first));
    assertEquals(Http.json(first).get("outputs"), Http.json(latest).get("outputs"),
        "both versions are the same model");
  }

  @Test
  void modelControlNone_repositoryModelsLoadedAtStart() throws IOException {
    Path other = repository();
    try (EmbeddedServer s = ApplicationContext.run(EmbeddedServer.class,
        Map.of("planline.model-repository", other.toString()), "test")) {
      Http h = new Http(s);
      HttpResponse<byte[]> index = h.postJson("/v2/repository/index", "{\"ready\": true}");
      List<String> ready = new ArrayList<>();
      Http.json(index).forEach(m -> ready.add(m.get("name").asText() + "/"
          + m.get("version").asText()));
      assertTrue(ready.containsAll(List.of("mlp/1", "mlp/2", "cnn/3", "digits-mlp/1")),
          ready.toString());
      assertEquals(400, h.postJson("/v2/repository/models/mlp/unload", "{}").statusCode());
    } finally {
      delete(other);
    }
  }
}
