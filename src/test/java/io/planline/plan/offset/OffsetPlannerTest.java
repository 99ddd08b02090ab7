package io.planline.plan.offset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.CsvBufferReader;
import io.planline.io.LineDumpReader;
import io.planline.ir.Buffer;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.plan.Liveness;
import io.planline.plan.LowerBound;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import io.planline.plan.PlannerRegistry;
import io.planline.testing.Instances;
import io.planline.testing.Shared;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

final class OffsetPlannerTest {

  private final OffsetPlanner planner = new OffsetPlanner();

  static Stream<Path> traces() {
    return Shared.traceDirs().stream();
  }

  @ParameterizedTest
  @MethodSource("traces")
  void plan_everySharedTraceGraph_reachesTheAlignedLowerBound(Path dir) {
    List<Graph> graphs = LineDumpReader.read(dir.resolve("lines.json")).graphs();
    for (Graph graph : graphs) {
      Plan plan = planner.plan(graph, PlanOptions.DEFAULT);
      PlanVerifier.verify(graph, plan, PlanOptions.ALIGN_BYTES);
      // the reported bound is raw bytes; at 64-byte alignment the bound to reach is the aligned one
      assertEquals(LowerBound.of(Liveness.of(graph), PlanOptions.ALIGN_BYTES),
          plan.plannedBytes(), graph.source());
      assertTrue(plan.provenOptimal(), graph.source());
    }
  }

  @Test
  void plan_sizesNotMultiplesOfAlignment_roundsSizesAndOffsets() {
    Graph graph = Instances.csv("a,0,2,100", "b,1,3,10", "c,2,4,70");
    Plan plan = planner.plan(graph, PlanOptions.DEFAULT);
    PlanVerifier.verify(graph, plan, 64);
    // a (128 aligned) and b (64) live together, then b and c (128): never a and c.
    assertEquals(192, plan.plannedBytes());
    assertTrue(plan.provenOptimal(), "192 is the bound at 64-byte alignment");
    // the reported bound is raw: a (100) and b (10) live together
    assertEquals(110, plan.lowerBoundBytes());
  }

  @Test
  void plan_csvInstanceWithAlignmentOne_usesRawSizes() {
    Graph graph = CsvBufferReader.read(Shared.minimalloc().resolve("examples/input.12.csv"))
        .graphs().get(0);
    PlanOptions options = PlanOptions.DEFAULT.withAlignment(CsvBufferReader.ALIGNMENT);
    Plan plan = planner.plan(graph, options);
    PlanVerifier.verify(graph, plan, CsvBufferReader.ALIGNMENT);
    assertEquals(12, plan.plannedBytes());
  }

  @Test
  void plan_twoDevices_getOnePoolEach() {
    Buffer a = Buffer.ofBytes("a", Device.CUDA0, 128);
    Buffer b = Buffer.ofBytes("b", Device.CPU, 64);
    Buffer c = Buffer.ofBytes("c", Device.CUDA0, 64);
    Graph graph = Graph.of("two#0", List.of(new WrapperLine.AllocateLine(a),
        new WrapperLine.AllocateLine(b), new WrapperLine.AllocateLine(c),
        WrapperLine.FreeIfNotReusedLine.of(a), WrapperLine.FreeIfNotReusedLine.of(b),
        WrapperLine.FreeIfNotReusedLine.of(c)), List.of());
    Plan plan = planner.plan(graph, PlanOptions.DEFAULT);
    PlanVerifier.verify(graph, plan, 64);
    assertEquals(2, plan.asOffsets().pools().size());
    assertEquals(256, plan.plannedBytes());
  }

  @Test
  void plan_emptyGraph_hasNoPools() {
    Graph graph = Graph.of("empty#0", List.of(), List.of());
    Plan plan = planner.plan(graph, PlanOptions.DEFAULT);
    assertTrue(plan.asOffsets().pools().isEmpty());
    assertEquals(0, plan.plannedBytes());
  }

  @Test
  void plan_sameGraphTwice_givesTheSameOffsets() {
    Graph graph = CsvBufferReader.read(Shared.minimalloc().resolve("challenging/A.1048576.csv"))
        .graphs().get(0);
    PlanOptions options = PlanOptions.DEFAULT.withAlignment(1);
    Plan first = planner.plan(graph, options);
    Plan second = planner.plan(graph, options);
    PlanVerifier.verify(graph, first, 1);
    assertEquals(first.asOffsets().placements(), second.asOffsets().placements());
  }

  @Test
  void builtIn_registry_offersBothOffsetPlanners() {
    PlannerRegistry registry = PlannerRegistry.builtIn();
    assertEquals("offset", registry.get("offset").name());
    assertEquals("optimal", registry.get("optimal").name());
  }
}
