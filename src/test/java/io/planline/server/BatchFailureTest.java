package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import io.planline.exec.LocalInferenceService;
import io.planline.testing.ModelFolders;
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
 * A kernel that fails inside a batch fails every request of that batch with the same clear
 * error; memory returns to its baseline and the model keeps batching.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class BatchFailureTest implements TestPropertyProvider {


  /** Looks indices up in a 4-row table; exported for at most 2 indices per request. */
  private static final String BOUNDED = """
      {"format": "planline-program", "version": 1, "name": "bounded", "symbols": ["s0"],
       "symbol_bounds": {"s0": {"input": "idx", "dim": 0, "min": 1, "max": 2}},
       "inputs": [{"name": "idx", "dtype": "int64", "shape": ["s0"]}],
       "outputs": [{"name": "y", "buffer": "buf0"}],
       "weights": [{"name": "w", "tensor": "w", "dtype": "float32", "shape": [4, 2]}],
       "lines": [
        {"kind": "AllocateLine", "node": {"name": "buf0", "device": "cpu", "dtype": "float32",
         "shape": ["s0", 2], "stride": [2, 1], "storage_expr": "2*s0"}},
        {"kind": "KernelCallLine", "kernel_name": "aten.embedding.default", "outputs": ["buf0"],
         "call_args": ["w", "idx", "-1", "False", "False"]}
       ]}
      """;

  @Inject
  EmbeddedServer server;

  @Inject
  LocalInferenceService runtime;

  @Override
  public Map<String, String> getProperties() {
    try {
      Path folder = ModelFolders.write(Files.createTempDirectory("planline-failing")
          .resolve("failing"), ModelFolders.FAILING, "w", new long[] {4, 2}, new float[8]);
      Path bounded = ModelFolders.write(folder.getParent().resolve("bounded"), BOUNDED, "w",
          new long[] {4, 2}, new float[] {0, 1, 10, 11, 20, 21, 30, 31});
      return Map.of("planline.models[3].name", "failing",
          "planline.models[3].path", folder.toString(),
          "planline.models[3].batching.enabled", "true",
          "planline.models[3].batching.max-batch-size", "3",
          "planline.models[3].batching.max-queue-delay-micros", "500000",
          "planline.models[4].name", "bounded",
          "planline.models[4].path", bounded.toString(),
          "planline.models[4].batching.enabled", "true",
          "planline.models[4].batching.max-batch-size", "3",
          "planline.models[4].batching.max-queue-delay-micros", "300000");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void infer_kernelFailsInABatch_everyRequestGetsTheSameErrorMemoryBack() throws Exception {
    Http http = new Http(server);
    BatchCount before = BatchCount.now(http, "failing");
    long baseline = runtime.executor().backend().bytesInUse();
    List<String> bodies = new ArrayList<>();
    for (int j = 0; j < 3; j++) {
      bodies.add("{\"inputs\":[{\"name\":\"idx\",\"shape\":[1],\"datatype\":\"INT64\","
          + "\"data\":[" + j + "]}]}");
    }
    List<String> errors = new ArrayList<>();
    for (HttpResponse<byte[]> r : http.postJsonAtOnce("/v2/models/failing/infer", bodies)) {
      assertEquals(500, r.statusCode(), Http.text(r));
      errors.add(Http.error(r));
    }
    assertTrue(errors.get(0).contains("aten.embedding"), errors.get(0));
    assertEquals(List.of(errors.get(0), errors.get(0), errors.get(0)), errors,
        "one failure, the same error for every request of the batch");
    assertEquals(1, before.newBatches(), "one batch");
    assertEquals(3, before.newRows());
    Settled.memoryBack(runtime, baseline);
    // The model keeps batching, and the other models are untouched.
    var r = http.postJson("/v2/models/digits-mlp/infer", "{\"inputs\":[{\"name\":\"x\","
        + "\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":" + InferJsonTest.pixels(64) + "}]}");
    assertEquals(200, r.statusCode());
    var again = http.postJson("/v2/models/failing/infer", "{\"inputs\":[{\"name\":\"idx\","
        + "\"shape\":[1],\"datatype\":\"INT64\",\"data\":[0]}]}");
    assertEquals(500, again.statusCode());
    assertTrue(Http.error(again).contains("aten.embedding"), Http.text(again));
  }

  @Test
  void infer_batchShapeOutsideTheModelsBounds_requestsRunOneByOneAndAreRight()
      throws Exception {
    Http http = new Http(server);
    BatchCount before = BatchCount.now(http, "bounded");
    List<String> bodies = new ArrayList<>();
    for (int j = 0; j < 3; j++) {
      bodies.add("{\"inputs\":[{\"name\":\"idx\",\"shape\":[1],\"datatype\":\"INT64\","
          + "\"data\":[" + (j + 1) + "]}]}");
    }
    List<HttpResponse<byte[]>> answers = http.postJsonAtOnce("/v2/models/bounded/infer", bodies);
    for (int j = 0; j < 3; j++) {
      HttpResponse<byte[]> r = answers.get(j);
      assertEquals(200, r.statusCode(), Http.text(r));
      var data = Http.json(r).get("outputs").get(0).get("data");
      assertEquals(10f * (j + 1), data.get(0).floatValue(), Http.text(r));
      assertEquals(10f * (j + 1) + 1, data.get(1).floatValue(), Http.text(r));
    }
    assertEquals(1, before.newBatches(),
        "one batch of 3 formed, refused for its shape, then run one by one");
  }
}
