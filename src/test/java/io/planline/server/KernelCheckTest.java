package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import io.planline.exec.LocalInferenceService;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A request whose data trips a compiled kernel's own check (a zero divisor in Inductor's
 * integer division) gets a 400 that names the kernel and the check, gives its memory back, and
 * leaves the server serving; before the kernels' guards it ended the server's process. Batched
 * with others, it alone gets the 400 and the others their answers. The model
 * ({@code tools/test_models.py}) answers {@code (a // b) * 2 + 1}.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class KernelCheckTest implements TestPropertyProvider {

  @Inject
  EmbeddedServer server;

  @Inject
  LocalInferenceService runtime;

  @Override
  public Map<String, String> getProperties() {
    String folder = Path.of("src/test/resources/inductor-cpu/floor-divide").toAbsolutePath()
        .toString();
    return Map.of("planline.models[3].name", "floor-divide", "planline.models[3].path", folder,
        "planline.models[4].name", "floor-divide-batched", "planline.models[4].path", folder,
        "planline.models[4].batching.enabled", "true",
        "planline.models[4].batching.max-batch-size", "3",
        "planline.models[4].batching.max-queue-delay-micros", "300000");
  }

  private static String body(String divisors) {
    return "{\"inputs\":[{\"name\":\"a\",\"shape\":[1,4],\"datatype\":\"INT64\","
        + "\"data\":[7,-8,9,10]},{\"name\":\"b\",\"shape\":[1,4],\"datatype\":\"INT64\","
        + "\"data\":[" + divisors + "]}]}";
  }

  @Test
  void zeroDivisor_is400_memoryBack_andTheNextRequestIsAnswered() throws Exception {
    Http http = new Http(server);
    long baseline = runtime.executor().backend().bytesInUse();
    for (int i = 0; i < 3; i++) {
      HttpResponse<byte[]> r = http.postJson("/v2/models/floor-divide/infer", body("2,0,-4,5"));
      assertEquals(400, r.statusCode(), Http.text(r));
      String error = Http.error(r);
      assertTrue(error.contains("cpp_fused_add_floor_divide_mul_0"), error);
      assertTrue(error.contains("ZeroDivisionError"), error);
    }
    Settled.memoryBack(runtime, baseline);
    HttpResponse<byte[]> ok = http.postJson("/v2/models/floor-divide/infer", body("2,3,-4,5"));
    assertEquals(200, ok.statusCode(), Http.text(ok));
    assertTrue(Http.text(ok).replace(" ", "").contains("\"data\":[7,-5,-5,5]"), Http.text(ok));
  }

  /**
   * Three requests batched together, the middle one with a zero divisor: the batch fails as a
   * whole, its requests then run one by one (the batcher's way with a bad input), and only the
   * middle one gets the 400.
   */
  @Test
  void zeroDivisorInABatch_failsThatRequestOnly() throws Exception {
    Http http = new Http(server);
    BatchCount before = BatchCount.now(http, "floor-divide-batched");
    long baseline = runtime.executor().backend().bytesInUse();
    List<HttpResponse<byte[]>> r = http.postJsonAtOnce("/v2/models/floor-divide-batched/infer",
        List.of(body("2,3,-4,5"), body("2,0,-4,5"), body("1,1,1,1")));
    assertEquals(200, r.get(0).statusCode(), Http.text(r.get(0)));
    assertTrue(Http.text(r.get(0)).replace(" ", "").contains("\"data\":[7,-5,-5,5]"),
        Http.text(r.get(0)));
    assertEquals(400, r.get(1).statusCode(), Http.text(r.get(1)));
    assertTrue(Http.error(r.get(1)).contains("ZeroDivisionError"), Http.text(r.get(1)));
    assertEquals(200, r.get(2).statusCode(), Http.text(r.get(2)));
    assertTrue(Http.text(r.get(2)).replace(" ", "").contains("\"data\":[15,-15,19,21]"),
        Http.text(r.get(2)));
    assertEquals(1, before.newBatches(), "one batch of the three");
    assertEquals(3, before.newRows());
    Settled.memoryBack(runtime, baseline);
  }
}
