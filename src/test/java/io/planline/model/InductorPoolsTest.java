package io.planline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.planline.io.ProgramFormatException;
import io.planline.ir.Graph;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlannerRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code inductor_pools} in the built-in models' Inductor programs: Inductor's own pool planner
 * run on the same lines by the exporter (tools/build_inductor_models.py), read as the reference
 * beside planline's plans.
 */
final class InductorPoolsTest {

  @Test
  void read_tinyGpt_poolsAtTheSampleShapeAndOffsetWithinThem() throws IOException {
    ModelProgram p = CompiledProgramTest.read(CompiledProgramTest.builtIn("tiny-gpt"));
    InductorPools pools = p.inductorPools();
    assertNotNull(pools);
    assertEquals(Map.of("tokens", List.of(2L, 8L)), pools.inputs());
    assertTrue(pools.sizedAt(Map.of("tokens", new long[] {2, 8})));
    assertFalse(pools.sizedAt(Map.of("tokens", new long[] {1, 8})));
    Graph g = ProgramBinder.bind(p, ProgramBinder.symbolsFor(p,
        Map.of("tokens", new long[] {2, 8})));
    long planned = PlannerRegistry.builtIn().get("offset")
        .plan(g, PlanOptions.DEFAULT.withBudgetMillis(1_000)).plannedBytes();
    assertTrue(planned <= pools.bytes(), planned + " > Inductor's " + pools.bytes());
  }

  @Test
  void read_everyBuiltIn_hasItsReference() throws IOException {
    for (String m : ModelLoader.BUILT_IN) {
      InductorPools pools = CompiledProgramTest.read(CompiledProgramTest.builtIn(m))
          .inductorPools();
      assertNotNull(pools, m);
      assertTrue(pools.bytes() > 0, m + ": " + pools);
    }
  }

  @Test
  void read_withoutOrWithAnExportError_hasNoReference() throws IOException {
    ObjectNode absent = CompiledProgramTest.builtIn("digits-mlp");
    absent.remove("inductor_pools");
    assertNull(CompiledProgramTest.read(absent).inductorPools());
    ObjectNode failed = CompiledProgramTest.builtIn("digits-mlp");
    failed.putObject("inductor_pools").put("error", "AssertionError: multiple allocations");
    assertNull(CompiledProgramTest.read(failed).inductorPools());
  }

  @Test
  void read_poolWithoutSize_isRefusedNamingTheField() throws IOException {
    ObjectNode p = CompiledProgramTest.builtIn("digits-mlp");
    ((ObjectNode) p.get("inductor_pools").get("pools").get(0)).put("bytes", -5);
    var e = assertThrows(ProgramFormatException.class, () -> CompiledProgramTest.read(p));
    assertTrue(e.getMessage().contains("inductor_pools") && e.getMessage().contains("bytes"),
        e.getMessage());
    ObjectNode q = CompiledProgramTest.builtIn("digits-mlp");
    ((ObjectNode) q.get("inductor_pools")).putArray("inputs");
    var f = assertThrows(ProgramFormatException.class, () -> CompiledProgramTest.read(q));
    assertTrue(f.getMessage().contains("inductor_pools, field inputs"), f.getMessage());
  }
}
