package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.context.annotation.Property;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * {@code /plan} shows Inductor's own pool size beside planline's plan where the model runs
 * Inductor's program and the shapes are those Inductor's pools were sized at.
 */
@MicronautTest
@Property(name = "planline.kernels", value = "inductor")
@Property(name = "planline.planner", value = "offset")
final class InductorPoolReferenceTest {

  @Inject
  EmbeddedServer server;

  @Test
  void plan_atTheExportedShape_showsInductorsPoolsBesidePlanlinesPlan() {
    Http http = new Http(server);
    JsonNode plan = Http.json(http.get("/v2/models/tiny-gpt/plan?tokens=2,8"));
    assertTrue(plan.has("inductor_pool_bytes"), plan.toString());
    // the two pools Inductor's memory_planning.py makes of these lines: logits, intermediates
    assertEquals(16_384 + 40_960, plan.get("inductor_pool_bytes").asLong());
    assertTrue(plan.get("planned_bytes").asLong() <= plan.get("inductor_pool_bytes").asLong(),
        plan.toString());
  }

  @Test
  void plan_atAnotherShape_hasNoReference() {
    Http http = new Http(server);
    JsonNode plan = Http.json(http.get("/v2/models/tiny-gpt/plan?tokens=1,8"));
    assertFalse(plan.has("inductor_pool_bytes"), plan.toString());
  }
}
