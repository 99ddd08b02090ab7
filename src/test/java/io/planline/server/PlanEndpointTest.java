package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code /v2/models/{m}/plan} and {@code plan.svg} for shapes given as query parameters. */
@MicronautTest
final class PlanEndpointTest {

  @Inject
  EmbeddedServer server;

  Http http;
  String mlpIn;
  String gptIn;

  @BeforeEach
  void client() {
    http = new Http(server);
    mlpIn = Http.json(http.get("/v2/models/digits-mlp")).get("inputs").get(0).get("name")
        .asText();
    gptIn = Http.json(http.get("/v2/models/tiny-gpt")).get("inputs").get(0).get("name").asText();
  }

  @Test
  void plan_digitsMlpBatch2_resultWithPlannerBoundAndPlacements() {
    HttpResponse<byte[]> r = http.get("/v2/models/digits-mlp/plan?" + mlpIn + "=2,64");
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode plan = Http.json(r);
    for (String key : new String[] {"source", "planner", "buffers", "lower_bound_bytes",
        "planned_bytes", "plan_millis", "pools", "placements", "reuses"}) {
      assertTrue(plan.has(key), key + " missing from " + plan);
    }
    assertEquals("noop", plan.get("planner").asText());
    long bound = plan.get("lower_bound_bytes").asLong();
    assertTrue(bound > 0, plan.toString());
    assertTrue(plan.get("planned_bytes").asLong() >= bound, plan.toString());
    assertTrue(plan.get("buffers").asInt() > 0, plan.toString());
  }

  @Test
  void plan_largerBatch_largerLowerBound() {
    long small = Http.json(http.get("/v2/models/digits-mlp/plan?" + mlpIn + "=1,64"))
        .get("lower_bound_bytes").asLong();
    long large = Http.json(http.get("/v2/models/digits-mlp/plan?" + mlpIn + "=16,64"))
        .get("lower_bound_bytes").asLong();
    assertTrue(large > small, small + " vs " + large);
  }

  @Test
  void plan_withVersion_ok() {
    String version = Http.json(http.get("/v2/models/tiny-gpt")).get("versions").get(0).asText();
    HttpResponse<byte[]> r = http.get("/v2/models/tiny-gpt/versions/" + version + "/plan?"
        + gptIn + "=1,8");
    assertEquals(200, r.statusCode(), Http.text(r));
  }

  @Test
  void planSvg_digitsMlp_svgDocument() {
    HttpResponse<byte[]> r = http.get("/v2/models/digits-mlp/plan.svg?" + mlpIn + "=4,64");
    assertEquals(200, r.statusCode(), Http.text(r));
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("image/svg+xml"));
    String svg = Http.text(r);
    assertTrue(svg.startsWith("<svg") && svg.contains("lower bound") && svg.strip()
        .endsWith("</svg>"), svg.substring(0, Math.min(200, svg.length())));
  }

  @Test
  void plan_missingDynamicShape_400WithExample() {
    HttpResponse<byte[]> r = http.get("/v2/models/digits-mlp/plan");
    assertEquals(400, r.statusCode());
    assertTrue(Http.error(r).contains("?" + mlpIn + "=1,64"), Http.error(r));
  }

  @Test
  void plan_shapeNotFittingSignature_400() {
    HttpResponse<byte[]> r = http.get("/v2/models/digits-mlp/plan?" + mlpIn + "=2,65");
    assertEquals(400, r.statusCode());
    assertTrue(Http.error(r).contains("[-1, 64]"), Http.error(r));
  }

  @Test
  void plan_unparsableShape_400() {
    HttpResponse<byte[]> r = http.get("/v2/models/digits-mlp/plan?" + mlpIn + "=two,64");
    assertEquals(400, r.statusCode());
    assertTrue(Http.error(r).contains("is not a shape"), Http.error(r));
  }

  @Test
  void plan_unknownInput_400() {
    HttpResponse<byte[]> r = http.get("/v2/models/digits-mlp/plan?" + mlpIn + "=1,64&y=1");
    assertEquals(400, r.statusCode());
    assertTrue(Http.error(r).contains("no input 'y'"), Http.error(r));
  }

  @Test
  void plan_unknownModel_404() {
    HttpResponse<byte[]> r = http.get("/v2/models/resnet/plan.svg?x=1");
    assertEquals(404, r.statusCode());
    Http.error(r);
  }
}
