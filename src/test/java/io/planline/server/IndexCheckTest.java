package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import io.planline.exec.LocalInferenceService;
import io.planline.exec.Samples;
import io.planline.model.ModelLoader;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Indices a model computes itself, checked only by Inductor's kernel. The two models
 * ({@code tools/test_models.py}) answer {@code embedding(ids + 1, table10) * 2} and
 * {@code embedding(ids + 3, table12) * 0.5}: the index is computed in the model, so the runtime's
 * own check of input indices ({@code index_bounds}) has nothing to say, and Inductor's check
 * sits inside the kernel's OpenMP loop. Both kernels are named
 * {@code cpp_fused_add_embedding_mul_0}.
 *
 * <ul>
 *   <li>An id past the table, in a request large enough for the kernel's parallel build, got the
 *       process ended by the OpenMP runtime (the guard cannot catch a throw inside a parallel
 *       region); the kernel now runs on its serial build, and the request gets a 400.
 *   <li>With both models in one server, the second one's guarded entry point called the first
 *       one's kernel of the same name (the libraries were loaded into the global symbol scope)
 *       and answered wrongly; each now runs its own.
 *   <li>A model whose parallel build lacks the marker but whose serial build carries it (an
 *       export made before the marker, given a new serial build by {@code
 *       tools/add_serial_kernels.py}) still runs the kernel on its serial build.
 * </ul>
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class IndexCheckTest implements TestPropertyProvider {

  private static final Path MODELS = Path.of("src/test/resources/inductor-cpu");
  /** Rows whose output has 2^18 elements or more: the kernel's parallel build takes them. */
  private static final int LARGE_BATCH = 2100;

  @Inject
  EmbeddedServer server;

  @Inject
  LocalInferenceService runtime;

  /** A copy of shifted-embedding whose OpenMP builds lost their index-check marker. */
  private static final String SERIAL_MARKER_ONLY = "shifted-embedding-serial-marker";

  @Override
  public Map<String, String> getProperties() {
    return Map.of(
        "planline.models[5].name", SERIAL_MARKER_ONLY,
        "planline.models[5].path", serialMarkerOnly().toString(),
        "planline.models[3].name", "shifted-embedding",
        "planline.models[3].path", MODELS.resolve("shifted-embedding").toAbsolutePath().toString(),
        "planline.models[4].name", "shifted-embedding-3",
        "planline.models[4].path",
        MODELS.resolve("shifted-embedding-3").toAbsolutePath().toString());
  }

  /**
   * shifted-embedding copied into a temporary folder, the marker of its OpenMP builds renamed in
   * their dynamic string table (same length, so nothing else moves): the symbol is no longer
   * found by its name, as in a library built before markers existed. The serial builds keep it.
   * program.json gets the patched libraries' SHA-256, as an exporter would have written it.
   */
  private static Path serialMarkerOnly() {
    try {
      Path copy = Files.createTempDirectory("planline-" + SERIAL_MARKER_ONLY);
      copy.toFile().deleteOnExit();
      byte[] marker = "cpp_fused_add_embedding_mul_0__index_checks\0"
          .getBytes(StandardCharsets.US_ASCII);
      byte[] renamed = "cpp_fused_add_embedding_mul_0__index_xxxxxx\0"
          .getBytes(StandardCharsets.US_ASCII);
      Path source = MODELS.resolve("shifted-embedding");
      String program = Files.readString(source.resolve("program.json"));
      try (var files = Files.list(source)) {
        for (Path f : files.toList()) {
          byte[] bytes = Files.readAllBytes(f);
          String name = f.getFileName().toString();
          if (name.endsWith(".so") && !name.contains("serial")) {
            int at = indexOf(bytes, marker);
            assertTrue(at >= 0, name + " carries the marker");
            String before = sha256(bytes);
            System.arraycopy(renamed, 0, bytes, at, renamed.length);
            assertTrue(program.contains(before), "program.json names " + name + "'s SHA-256");
            program = program.replace(before, sha256(bytes));
          }
          Path target = copy.resolve(name);
          Files.write(target, bytes);
          target.toFile().deleteOnExit();
        }
      }
      Files.writeString(copy.resolve("program.json"), program);
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int indexOf(byte[] bytes, byte[] part) {
    outer:
    for (int i = 0; i + part.length <= bytes.length; i++) {
      for (int j = 0; j < part.length; j++) {
        if (bytes[i + j] != part[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** A request of {@code rows} rows of ids 0..7, the id at flat index 5 set to {@code odd}. */
  private static String body(int rows, long odd) {
    StringJoiner data = new StringJoiner(",");
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < 8; i++) {
        data.add(Long.toString(r == 0 && i == 5 ? odd : i));
      }
    }
    return "{\"inputs\":[{\"name\":\"ids\",\"shape\":[" + rows + ",8],\"datatype\":\"INT64\","
        + "\"data\":[" + data + "]}]}";
  }

  @Test
  void anIdPastTheTable_inALargeRequest_is400_memoryBack_andTheServerGoesOn() throws Exception {
    Http http = new Http(server);
    long baseline = runtime.executor().backend().bytesInUse();
    for (int rows : new int[] {1, LARGE_BATCH}) {
      // ids + 1 reaches 10 for id 9: one past the 10-row table
      HttpResponse<byte[]> r = http.postJson("/v2/models/shifted-embedding/infer", body(rows, 9));
      assertEquals(400, r.statusCode(), Http.text(r));
      String error = Http.error(r);
      assertTrue(error.contains("cpp_fused_add_embedding_mul_0"), error);
      assertTrue(error.contains("index out of bounds"), error);
    }
    Settled.memoryBack(runtime, baseline);
    HttpResponse<byte[]> ok = http.postJson("/v2/models/shifted-embedding/infer",
        body(LARGE_BATCH, 5));
    assertEquals(200, ok.statusCode(), Http.text(ok));
    // the first row holds ids 0..7, as the sample's first row does
    assertFirstValuesMatch(Http.json(ok), sampleOutput("shifted-embedding"), 8 * 16);
  }

  @Test
  void aMarkerOnTheSerialBuildAlone_stillSendsALargeRequestThere() throws Exception {
    Http http = new Http(server);
    HttpResponse<byte[]> r = http.postJson("/v2/models/" + SERIAL_MARKER_ONLY + "/infer",
        body(LARGE_BATCH, 9));
    assertEquals(400, r.statusCode(), Http.text(r));
    assertTrue(Http.error(r).contains("index out of bounds"), Http.error(r));
    HttpResponse<byte[]> ok = http.postJson("/v2/models/" + SERIAL_MARKER_ONLY + "/infer",
        body(LARGE_BATCH, 5));
    assertEquals(200, ok.statusCode(), Http.text(ok));
    assertFirstValuesMatch(Http.json(ok), sampleOutput("shifted-embedding"), 8 * 16);
  }

  @Test
  void twoModelsWhoseKernelsShareAName_eachRunTheirOwn() throws Exception {
    Http http = new Http(server);
    for (String model : new String[] {"shifted-embedding", "shifted-embedding-3"}) {
      HttpResponse<byte[]> r = http.postJson("/v2/models/" + model + "/infer", body(2, 5));
      assertEquals(200, r.statusCode(), Http.text(r));
      assertFirstValuesMatch(Http.json(r), sampleOutput(model), 8 * 16);
    }
  }

  /** The model's own sample output, read as the runtime reads samples. */
  private static float[] sampleOutput(String model) throws IOException {
    return Samples.of(ModelLoader.folder(MODELS.resolve(model))).outputs().get("y").floats();
  }

  private static void assertFirstValuesMatch(JsonNode answer, float[] expected, int count) {
    JsonNode data = answer.get("outputs").get(0).get("data");
    for (int i = 0; i < count; i++) {
      double want = expected[i];
      assertEquals(want, data.get(i).asDouble(), 1e-6 * Math.max(1, Math.abs(want)),
          "output value " + i);
    }
  }
}
