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
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A request whose data trips a compiled kernel's own check (a zero divisor in Inductor's
 * integer division) gets a 400 that names the kernel and the check, gives its memory back, and
 * leaves the server serving; before the kernels' guards it ended the server's process. The model
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
    return Map.of("planline.models[3].name", "floor-divide", "planline.models[3].path",
        Path.of("src/test/resources/inductor-cpu/floor-divide").toAbsolutePath().toString());
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
}
