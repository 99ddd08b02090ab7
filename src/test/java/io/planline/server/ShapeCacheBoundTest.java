package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Property;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.exec.LocalInferenceService;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 1 and 2: every new input shape is planned once, however many requests ask for it
 * together, and a model keeps at most {@code planline.max-cached-shapes} compiled shapes, the
 * ones dropped counted in {@code planline_shapes_evicted_total}. The models load unwarmed, so
 * that the shapes these tests ask for are the first their caches see (a warm-up compiles each
 * sample's shapes at start).
 */
@MicronautTest
@Property(name = "planline.max-cached-shapes", value = "2")
@Property(name = "planline.model-warmup-rounds", value = "0")
final class ShapeCacheBoundTest {

  @Inject
  EmbeddedServer server;

  @Inject
  LocalInferenceService runtime;

  @Inject
  MeterRegistry registry;

  private double counter(String name, String model) {
    return registry.get(name).tag("model", model).counter().count();
  }

  @Test
  void plan_manyDistinctShapes_cacheStaysAtTheBound_evictionsCounted()
      throws InterruptedException {
    Http http = new Http(server);
    String in = http.tensorName("tiny-gpt", "inputs");
    double compiled = counter("planline.shapes.compiled", "tiny-gpt");
    double evicted = counter("planline.shapes.evicted", "tiny-gpt");
    for (int tokens = 1; tokens <= 6; tokens++) {
      HttpResponse<byte[]> r = http.get("/v2/models/tiny-gpt/plan?" + in + "=" + tokens + ",64");
      assertEquals(200, r.statusCode(), Http.text(r));
    }
    // Caffeine weighs a load in when its future's completion reaches it, which may be just
    // after the response went out: wait for the last one to be weighed.
    long held = runtime.cachedShapes(runtime.find("tiny-gpt", null));
    for (int i = 0; i < 1000 && held > 2; i++) {
      Thread.sleep(5);
      held = runtime.cachedShapes(runtime.find("tiny-gpt", null));
    }
    assertTrue(held <= 2, held + " shapes held");
    assertEquals(6, counter("planline.shapes.compiled", "tiny-gpt") - compiled);
    assertEquals(6 - held, counter("planline.shapes.evicted", "tiny-gpt") - evicted);
  }

  @Test
  void infer_eightAtOnceForOneNewShape_plannedOnce() {
    Http http = new Http(server);
    String in = http.tensorName("digits-mlp", "inputs");
    double compiled = counter("planline.shapes.compiled", "digits-mlp");
    // one row: a request of several rows that runs alone may run as parts (exec/SplitRule),
    // whose programs are planned for shapes of their own
    String body = "{\"inputs\":[{\"name\":\"" + in + "\",\"shape\":[1,64],\"datatype\":\"FP32\","
        + "\"data\":" + InferJsonTest.pixels(64) + "}]}";
    List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      all.add(CompletableFuture.supplyAsync(() -> http.postJson(
          "/v2/models/digits-mlp/infer", body)));
    }
    for (var f : all) {
      HttpResponse<byte[]> r = f.join();
      assertEquals(200, r.statusCode(), Http.text(r));
    }
    assertEquals(1, counter("planline.shapes.compiled", "digits-mlp") - compiled);
  }
}
