package io.planline.plan.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.LineDumpReader;
import io.planline.ir.Buffer;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.ir.WrapperLine.AllocateLine;
import io.planline.ir.WrapperLine.FreeIfNotReusedLine;
import io.planline.plan.Placement;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import io.planline.plan.PlannerRegistry;
import io.planline.plan.PlanningException;
import io.planline.testing.Shared;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Inductor pool planner against Inductor's own figures, the verifier and small cases. */
final class InductorPoolPlannerTest {

  private final InductorPoolPlanner planner = new InductorPoolPlanner();

  /** "Inductor pool planner" column of shared/traces/README.md: sums of the printed pools. */
  static Stream<Arguments> inductorFigures() {
    return Stream.of(
        Arguments.of("gpt2-infer-pool", 54_348_800L),
        Arguments.of("llama-infer-pool", 34_340_864L),
        Arguments.of("mlp-infer-pool", 132_352L),
        Arguments.of("mobilenet_v2-infer-pool", 4_848_896L),
        Arguments.of("resnet18-infer-pool", 9_469_184L),
        Arguments.of("resnet50-infer-pool", 9_469_184L));
  }

  @ParameterizedTest
  @MethodSource("inductorFigures")
  void plan_poolTrace_landsWithinOnePercentOfInductor(String trace, long inductorBytes) {
    Graph g = LineDumpReader.read(Shared.trace(trace).resolve("lines.json")).graphs().get(0);
    Plan plan = planner.plan(g, PlanOptions.DEFAULT);
    PlanVerifier.verify(g, plan, PlanOptions.ALIGN_BYTES);
    double off = Math.abs(plan.plannedBytes() - inductorBytes) / (double) inductorBytes;
    assertTrue(off <= 0.01, trace + ": planned " + plan.plannedBytes() + " vs Inductor's "
        + inductorBytes + " (" + off * 100 + "% off)");
    assertTrue(plan.plannedBytes() >= plan.lowerBoundBytes(), trace + ": below the lower bound");
  }

  static Stream<Arguments> everyGraph() {
    return Shared.traceDirs().stream().flatMap(d -> {
      List<Graph> graphs = LineDumpReader.read(d.resolve("lines.json")).graphs();
      return graphs.stream().map(g -> Arguments.of(d.getFileName().toString(), g));
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyGraph")
  void plan_everySharedGraph_passesVerifier(String trace, Graph g) {
    Plan plan = planner.plan(g, PlanOptions.DEFAULT);
    PlanVerifier.verify(g, plan, PlanOptions.ALIGN_BYTES);
    assertEquals("inductor-pool", plan.planner());
    assertTrue(plan.plannedBytes() >= plan.lowerBoundBytes(), trace + ": below the lower bound");
  }

  // small graphs: A lines 0..2, B overlapping or not
  private static Graph graph(List<String> outputs, Object... events) {
    List<WrapperLine> lines = new ArrayList<>();
    Map<String, Buffer> buffers = new java.util.HashMap<>();
    for (int i = 0; i < events.length; i += 2) {
      String name = (String) events[i + 1];
      if (events[i] instanceof Buffer b) {
        buffers.put(b.name(), b);
        lines.add(new AllocateLine(b));
      } else {
        lines.add(FreeIfNotReusedLine.of(buffers.get(name)));
      }
    }
    return Graph.of("test", lines, outputs);
  }

  private static Buffer buf(String name, long bytes) {
    return Buffer.ofBytes(name, Device.CUDA0, bytes);
  }

  /**
   * Inductor numbers a run of consecutive {@code MemoryPlanningLine}s as one timestep; a graph
   * input's {@code FreeLine} is not one, so it ends a run like a kernel call.
   */
  @Test
  void timesteps_inputFreeLine_endsARun() {
    Buffer a = buf("a", 128);
    Buffer b = buf("b", 128);
    Buffer input = buf("arg0", 64);
    List<WrapperLine> lines = List.of(new AllocateLine(a), new WrapperLine.FreeLine(input),
        new AllocateLine(b), kernel(), FreeIfNotReusedLine.of(a), new WrapperLine.FreeLine(input),
        FreeIfNotReusedLine.of(b));
    assertEquals(List.of(1, 1, 2, 2, 3, 3, 4),
        java.util.Arrays.stream(InductorPoolPlanner.timesteps(lines)).boxed().toList());
  }

  /**
   * Timesteps order equal sizes (longer first), and first fit depends on that order. Here
   * Inductor sees c (2 steps: the FreeLine splits its last run) before a and b (1 step each):
   * c stacks on d, a and b then share the space beside them, 320 bytes. With the FreeLine
   * counted as a memory line, all three took 1 step, a went first, b grew the pool beside it
   * and c had to be stacked on top: 384 bytes. Inductor's own {@code AllocationPools}, given
   * these live ranges in its timesteps, make 320 and, numbered the old way, 384. (Found by
   * random search over small programs.)
   */
  @Test
  void plan_freeLineSplitsARun_equalSizesOrderedAsInductorDoes() {
    Buffer a = buf("a", 128);
    Buffer b = buf("b", 128);
    Buffer c = buf("c", 128);
    Buffer d = buf("d", 192);
    List<WrapperLine> lines = List.of(new AllocateLine(a), new AllocateLine(b), kernel(),
        FreeIfNotReusedLine.of(b), FreeIfNotReusedLine.of(a), new AllocateLine(c),
        new AllocateLine(d), kernel(), FreeIfNotReusedLine.of(d),
        new WrapperLine.FreeLine(buf("arg0", 64)), FreeIfNotReusedLine.of(c));
    Graph g = Graph.of("test", lines, List.of());
    Plan plan = planner.plan(g, PlanOptions.DEFAULT);
    PlanVerifier.verify(g, plan, 64);
    assertEquals(320, plan.plannedBytes());
  }

  private static WrapperLine kernel() {
    return new WrapperLine.KernelCallLine("k", List.of(), null, List.of());
  }

  @Test
  void plan_disjointInTime_shareOffsetZero() {
    Graph g = graph(List.of(), buf("a", 100), "a", "free", "a", buf("b", 40), "b", "free", "b");
    Plan plan = planner.plan(g, PlanOptions.DEFAULT);
    PlanVerifier.verify(g, plan, 64);
    assertEquals(1, plan.asOffsets().pools().size());
    assertEquals(100, plan.plannedBytes());
    assertEquals(List.of(0L, 0L), plan.asOffsets().placements()
        .stream().map(Placement::offset).toList());
  }

  @Test
  void plan_overlappingInTime_stackedAtAlignedOffset() {
    Graph g = graph(List.of(), buf("a", 100), "a", buf("b", 50), "b", "free", "a", "free", "b");
    Plan plan = planner.plan(g, PlanOptions.DEFAULT);
    PlanVerifier.verify(g, plan, 64);
    // the larger goes first at 0; the smaller is stacked at align(100) = 128
    assertEquals(178, plan.plannedBytes());
    assertEquals(List.of(0L, 128L), plan.asOffsets().placements()
        .stream().map(Placement::offset).toList());
    assertEquals(150, plan.lowerBoundBytes());
  }

  @Test
  void plan_smallIntoGap_fillsTemporalTurnWithoutGrowing() {
    // a and b overlap; c comes after a ends and fits under it next to b
    Graph g = graph(List.of(), buf("a", 256), "a", buf("b", 128), "b", "free", "a",
        buf("c", 192), "c", "free", "c", "free", "b");
    Plan plan = planner.plan(g, PlanOptions.DEFAULT);
    PlanVerifier.verify(g, plan, 64);
    assertEquals(384, plan.plannedBytes());
    assertEquals(List.of(0L, 256L, 0L), plan.asOffsets().placements()
        .stream().map(Placement::offset).toList());
  }

  @Test
  void plan_graphOutput_getsItsOwnPoolThatEarlierBuffersShare() {
    Graph g = graph(List.of("out"), buf("tmp", 64), "tmp", "free", "tmp", buf("out", 100), "out");
    Plan plan = planner.plan(g, PlanOptions.DEFAULT);
    PlanVerifier.verify(g, plan, 64);
    assertEquals(1, plan.asOffsets().pools().size(),
        "tmp dies before out is born, so it fits in out's pool");
    assertEquals(100, plan.plannedBytes());
  }

  @Test
  void plan_graphOutputLiveWithOthers_poolDoesNotGrow() {
    Graph g = graph(List.of("out"), buf("out", 100), "out", buf("tmp", 64), "tmp", "free", "tmp");
    Plan plan = planner.plan(g, PlanOptions.DEFAULT);
    PlanVerifier.verify(g, plan, 64);
    assertEquals(2, plan.asOffsets().pools().size(), "an output's pool never grows");
    assertEquals(164, plan.plannedBytes());
  }

  @Test
  void plan_twoDevices_onePoolEach() {
    Buffer cpu = Buffer.ofBytes("c", Device.CPU, 64);
    Graph g = graph(List.of(), buf("a", 64), "a", cpu, "c", "free", "a", "free", "c");
    Plan plan = planner.plan(g, PlanOptions.DEFAULT);
    PlanVerifier.verify(g, plan, 64);
    assertEquals(List.of(Device.CUDA0, Device.CPU),
        plan.asOffsets().pools().stream().map(p -> p.device()).toList());
  }

  @Test
  void plan_capacityTooSmall_throwsPlanningException() {
    Graph g = graph(List.of(), buf("a", 100), "a", buf("b", 50), "b", "free", "a", "free", "b");
    var e = assertThrows(PlanningException.class,
        () -> planner.plan(g, PlanOptions.DEFAULT.withCapacityBytes(150)));
    assertTrue(e.getMessage().contains("178"), e.getMessage());
  }

  @Test
  void builtIn_registry_containsInductorPool() {
    assertTrue(PlannerRegistry.builtIn().get("inductor-pool") instanceof InductorPoolPlanner);
  }
}
