package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import io.planline.exec.RuntimeSettings;
import io.planline.exec.Runtimes;
import io.planline.exec.batch.BatchSettings;
import io.planline.model.ModelLoader;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * With batching on for every model, a model whose requests cannot be merged (an output of every
 * row's scores against every row) is served unbatched, each request getting its own scores;
 * the models that can batch still do. Asked for by the model's own settings, batching such a
 * model fails its load with the reason.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class UnbatchableModelTest implements TestPropertyProvider {

  /** {@code y = x @ x^T}: [s0, s0], so a merged batch would hand each request the others'. */
  private static final String PAIRWISE = """
      {"format": "planline-program", "version": 1, "name": "pairwise", "symbols": ["s0"],
       "inputs": [{"name": "x", "dtype": "float32", "shape": ["s0", 2]}],
       "outputs": [{"name": "y", "buffer": "buf0", "dtype": "float32", "shape": ["s0", "s0"]}],
       "weights": [{"name": "w", "tensor": "w", "dtype": "float32", "shape": [1]}],
       "lines": [
        {"kind": "ReinterpretLine", "node": {"name": "x"}, "offset": "0",
         "reused_as": {"name": "xt", "dtype": "float32", "shape": [2, "s0"], "stride": [1, 2]}},
        {"kind": "AllocateLine", "node": {"name": "buf0", "device": "cpu", "dtype": "float32",
         "shape": ["s0", "s0"], "stride": ["s0", 1], "storage_expr": "s0*s0"}},
        {"kind": "KernelCallLine", "kernel_name": "aten.mm.default", "outputs": ["buf0"],
         "call_args": ["x", "xt"]}
       ]}
      """;

  @Inject
  EmbeddedServer server;

  private Path folder;

  @Override
  public Map<String, String> getProperties() {
    try {
      folder = io.planline.testing.ModelFolders.write(
          Files.createTempDirectory("planline-pairwise").resolve("pairwise"), PAIRWISE, "w",
          new long[] {1}, new float[] {0});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Map.of("planline.batching.enabled", "true",
        "planline.batching.max-queue-delay-micros", "300000",
        "planline.models[3].name", "pairwise",
        "planline.models[3].path", folder.toString());
  }

  @Test
  void globalBatching_unbatchableModelServesEachRequestItsOwnScores() throws Exception {
    Http http = new Http(server);
    List<String> bodies = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      bodies.add("{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 2], "
          + "\"data\": [" + i + ", " + (2 * i) + "]}]}");
    }
    List<HttpResponse<byte[]>> answers = http.postJsonAtOnce("/v2/models/pairwise/infer", bodies);
    for (int i = 1; i <= 3; i++) {
      HttpResponse<byte[]> r = answers.get(i - 1);
      assertEquals(200, r.statusCode(), Http.text(r));
      JsonNode out = Http.json(r).path("outputs").get(0);
      assertEquals("[1,1]", out.path("shape").toString(), "request " + i + " alone");
      assertEquals(5.0 * i * i, out.path("data").get(0).asDouble(), 1e-4);
    }
    // the built-in models batch as the global setting says
    BatchCount before = BatchCount.now(http, "digits-mlp");
    String digits = "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 64], "
        + "\"data\": " + java.util.Arrays.toString(new float[64]) + "}]}";
    http.postJsonAtOnce("/v2/models/digits-mlp/infer", List.of(digits, digits, digits))
        .forEach(r -> assertEquals(200, r.statusCode(), Http.text(r)));
    assertTrue(before.newBatches() < before.newRows(), "digits-mlp's requests were merged: "
        + before.newBatches() + " batches of " + before.newRows() + " rows");
  }

  @Test
  void batchingAskedByTheModel_failsItsLoadSayingWhy() {
    var spec = new RuntimeSettings.ModelSpec("pairwise", "1", folder.toString(), "greedy",
        ModelLoader.Kernels.AUTO, BatchSettings.of(8, List.of(), 1_000, true));
    Exception e = assertThrows(Exception.class, () -> Runtimes.create(new RuntimeSettings("cpu",
        "greedy", List.of(spec), 64, 1, 16, Long.MAX_VALUE, 1_000)).close());
    assertTrue(e.getMessage().contains("cannot batch")
        && e.getMessage().contains("batching.enabled"), e.getMessage());
  }
}
