package io.planline.plan.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.planline.io.LineDumpReader;
import io.planline.ir.Graph;
import io.planline.plan.Placement;
import io.planline.plan.Liveness;
import io.planline.plan.LowerBound;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import io.planline.plan.PlannerRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code inductor-pool} against what Inductor's own {@code memory_planning.py} did with the same
 * lines: the traces {@code tools/capture_traces.py} captured on the CPU (torch 2.13), whose
 * {@code lines.json} records carry Inductor's pools ({@code inductor_pools}) and, in
 * {@code after}, every pooled storage's pool, offset and Inductor's timestep.
 */
final class InductorPoolFidelityTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final PlannerRegistry planners = PlannerRegistry.builtIn();

  /** One captured graph: its trace, index, the graph as read, and its raw record. */
  record Captured(String trace, int index, Graph graph, JsonNode record) {
    @Override
    public String toString() {
      return trace + "#" + index;
    }
  }

  /** The same models captured twice: compiled for the CPU and for an H200 (tools/capture_traces.py). */
  static final List<String> CAPTURES = List.of("inductor-cpu", "inductor-cuda");

  static Path capturedRoot(String capture) {
    try {
      return Path.of(InductorPoolFidelityTest.class.getResource("/traces/" + capture).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Stream<Captured> capturedGraphs() {
    List<Captured> all = new ArrayList<>();
    for (String capture : CAPTURES) {
      try (Stream<Path> dirs = Files.list(capturedRoot(capture))) {
        for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
          Path file = d.resolve("lines.json");
          List<Graph> graphs = LineDumpReader.read(file).graphs();
          JsonNode records = JSON.readTree(file.toFile());
          for (int i = 0; i < graphs.size(); i++) {
            all.add(new Captured(capture + "/" + d.getFileName(), i, graphs.get(i),
                records.get(i)));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return all.stream();
  }

  /** Graphs whose compiled program really ran Inductor's pool planner (inference graphs). */
  static Stream<Captured> pooledGraphs() {
    return capturedGraphs().filter(c -> c.record().path("memory_planning").asBoolean());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("capturedGraphs")
  void plan_capturedGraph_poolsWithinOnePercentOfInductors(Captured c) {
    Plan plan = planners.get("inductor-pool").plan(c.graph(), PlanOptions.DEFAULT);
    PlanVerifier.verify(c.graph(), plan, PlanOptions.ALIGN_BYTES);
    JsonNode pools = c.record().get("inductor_pools");
    assertTrue(pools.isArray(), c + ": Inductor's pools were not recorded: " + pools);
    assertEquals(pools.size(), plan.asOffsets().pools().size(), c + ": pool count");
    long inductorTotal = 0;
    for (int i = 0; i < pools.size(); i++) {
      long theirs = pools.get(i).get("bytes").asLong();
      long ours = plan.asOffsets().pools().get(i).bytes();
      inductorTotal += theirs;
      assertTrue(Math.abs(ours - theirs) <= theirs / 100,
          c + ": pool" + i + " " + ours + " bytes, Inductor's " + theirs);
    }
    assertTrue(Math.abs(plan.plannedBytes() - inductorTotal) <= inductorTotal / 100,
        c + ": planned " + plan.plannedBytes() + ", Inductor " + inductorTotal);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pooledGraphs")
  void plan_pooledGraph_placesEveryStorageWhereInductorDid(Captured c) {
    Plan plan = planners.get("inductor-pool").plan(c.graph(), PlanOptions.DEFAULT);
    Map<String, Placement> ours = new HashMap<>();
    plan.asOffsets().placements().forEach(p -> ours.put(p.buffer(), p));
    int checked = 0;
    for (JsonNode line : c.record().get("after")) {
      if (line.path("kind").asText().equals("AllocFromPoolLine")) {
        String name = line.get("names").get(0).asText();
        Placement p = ours.get(name);
        assertTrue(p != null, c + ": " + name + " not placed");
        assertEquals(line.get("pool").asText(), p.pool(), c + ": pool of " + name);
        assertEquals(line.get("offset").asLong(), p.offset(), c + ": offset of " + name);
        checked++;
      }
    }
    assertEquals(plan.asOffsets().placements().size(), checked, c + ": storages Inductor pooled");
  }

  /** Inductor records the timestep of each pool line; ours must number the same lines alike. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("pooledGraphs")
  void timesteps_pooledGraph_equalInductorsOwn(Captured c) {
    int[] steps = InductorPoolPlanner.timesteps(c.graph().lines());
    JsonNode after = c.record().get("after");
    assertEquals(after.size(), steps.length, c + ": before and after differ in length");
    List<Integer> checked = IntStream.range(0, steps.length)
        .filter(i -> after.get(i).has("timestep")).boxed().toList();
    assertFalse(checked.isEmpty(), c + ": no timesteps recorded");
    for (int i : checked) {
      assertEquals(after.get(i).get("timestep").asInt(), steps[i],
          c + ": timestep of line " + i + " (" + after.get(i).path("kind").asText() + ")");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("capturedGraphs")
  void offset_capturedGraph_atLowerBound(Captured c) {
    Plan plan = planners.get("offset").plan(c.graph(), PlanOptions.DEFAULT);
    PlanVerifier.verify(c.graph(), plan, PlanOptions.ALIGN_BYTES);
    // the reported bound is raw bytes; at 64-byte alignment the bound to reach is the aligned one
    assertEquals(LowerBound.of(Liveness.of(c.graph()), PlanOptions.ALIGN_BYTES),
        plan.plannedBytes(), c.toString());
    assertTrue(plan.provenOptimal(), c.toString());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("capturedGraphs")
  void everyPlanner_capturedGraph_passesVerifier(Captured c) {
    for (String name : planners.names()) {
      Plan plan = planners.get(name).plan(c.graph(), PlanOptions.DEFAULT);
      PlanVerifier.verify(c.graph(), plan, PlanOptions.ALIGN_BYTES);
      assertTrue(plan.plannedBytes() >= plan.lowerBoundBytes(), c + " " + name);
    }
  }
}
