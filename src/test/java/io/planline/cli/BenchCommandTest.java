package io.planline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.planline.ir.Graph;
import io.planline.plan.Decision;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.Plan;
import io.planline.plan.PlanInput;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanningException;
import io.planline.plan.offset.OffsetPlanner;
import io.planline.testing.Shared;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The {@code bench} verb's output shapes and its run limits (counted, never timed). */
final class BenchCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<JsonNode> lines(String out) throws IOException {
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        nodes.add(JSON.readTree(line));
      }
    }
    return nodes;
  }

  private static Set<String> fields(JsonNode node) {
    Set<String> names = new TreeSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void bench_json_printsOneObjectPerGraphAndPlanner() throws IOException {
    String trace = Shared.trace("mlp-infer-reuse").resolve("lines.json").toString();
    PlanCommandTest.Result r = PlanCommandTest.run("bench", "--json", "--warmup", "1", "--runs",
        "3", "--planner", "offset", "--planner", "greedy", trace);
    assertEquals(0, r.status(), r.err());
    List<JsonNode> rows = lines(r.out());
    assertEquals(2, rows.size(), r.out());
    for (JsonNode row : rows) {
      assertEquals(Set.of("graph", "planner", "buffers", "lower_bound_bytes", "planned_bytes",
          "ratio", "proven", "median_ms", "min_ms", "max_ms", "runs"), fields(row));
      assertEquals(trace + "#0", row.get("graph").asText());
      assertEquals(3, row.get("runs").asInt());
      assertEquals(131072, row.get("lower_bound_bytes").asLong());
      assertTrue(row.get("min_ms").asDouble() <= row.get("median_ms").asDouble());
    }
    assertEquals("offset", rows.get(0).get("planner").asText());
    assertEquals(1.0, rows.get(0).get("ratio").asDouble());
  }

  @Test
  void bench_offsetSuiteJson_marksTheSuiteAndEveryPlanner() throws IOException {
    PlanCommandTest.Result r = PlanCommandTest.run("bench", "--json", "--warmup", "0",
        "--runs", "1", "--shared", Shared.root().toString(), "--offset-suite", "examples");
    assertEquals(0, r.status(), r.err());
    List<JsonNode> rows = lines(r.out());
    assertEquals(List.of("offset", "optimal"),
        rows.stream().map(n -> n.get("planner").asText()).toList());
    for (JsonNode row : rows) {
      assertEquals("examples", row.get("suite").asText());
      assertEquals("input.12.csv", row.get("graph").asText());
      assertEquals(12, row.get("planned_bytes").asLong());
      assertTrue(row.get("proven").asBoolean());
    }
  }

  @Test
  void bench_offsetSuiteTable_endsWithASummaryPerPlanner() {
    PlanCommandTest.Result r = PlanCommandTest.run("bench", "--warmup", "0", "--runs", "1",
        "--shared", Shared.root().toString(), "--offset-suite", "examples");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("# examples, offset: 1 rows, 5-5 buffers, worst ratio 1.0000"),
        r.out());
    assertTrue(r.out().contains("# examples, optimal: 1 rows"), r.out());
  }

  @Test
  void bench_unknownSuite_namesTheKnownOnes() {
    PlanCommandTest.Result r = PlanCommandTest.run("bench", "--offset-suite", "nope");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("known: traces, examples, idealloc, challenging"), r.err());
  }

  /** Counts the plans asked of the offset planner, or refuses every one. */
  private static final class Counting implements MemoryPlanner {
    int calls;
    final boolean refuse;

    Counting(boolean refuse) {
      this.refuse = refuse;
    }

    @Override
    public String name() {
      return "counting";
    }

    @Override
    public String description() {
      return "counts calls";
    }

    @Override
    public Decision decide(PlanInput input) {
      calls++;
      if (refuse) {
        throw new PlanningException("refused");
      }
      return new OffsetPlanner().decide(input);
    }
  }

  private static Graph graph() {
    return io.planline.io.LineDumpReader.read(Shared.trace("mlp-infer-reuse")
        .resolve("lines.json")).graphs().get(0);
  }

  @Test
  void time_countLimits_runExactlyThatMany() {
    Counting planner = new Counting(false);
    BenchRow row = PlanTimer.time("", "g", graph(), planner, PlanOptions.DEFAULT,
        PlanTimer.Limits.counts(2, 3));
    assertEquals(5, planner.calls);
    assertEquals(3, row.millis().length);
  }

  @Test
  void time_firstRunAsLongAsTheWarmUpLimit_isTheOnlyRun() {
    // Any run takes at least a nanosecond: the first one alone uses up the warm-up limit.
    Counting planner = new Counting(false);
    BenchRow row = PlanTimer.time("", "g", graph(), planner, PlanOptions.DEFAULT,
        new PlanTimer.Limits(5, 10, 1, Long.MAX_VALUE));
    assertEquals(1, planner.calls);
    assertEquals(1, row.millis().length);
    assertEquals(1.0, row.ratio());
  }

  @Test
  void time_runLimitSpent_stopsAfterTheFirstTimedRun() {
    Counting planner = new Counting(false);
    BenchRow row = PlanTimer.time("", "g", graph(), planner, PlanOptions.DEFAULT,
        new PlanTimer.Limits(0, 10, Long.MAX_VALUE, 1));
    assertEquals(1, planner.calls);
    assertEquals(1, row.millis().length);
  }

  @Test
  void time_plannerRefuses_rowCarriesTheReasonAndNoRatio() throws IOException {
    BenchRow row = PlanTimer.time("s", "g", graph(), new Counting(true), PlanOptions.DEFAULT,
        PlanTimer.Limits.counts(3, 3));
    assertEquals("refused", row.error());
    assertFalse(row.proven());
    JsonNode json = JSON.readTree(row.jsonLine());
    assertTrue(json.get("ratio").isNull());
    assertEquals("refused", json.get("error").asText());
    assertTrue(row.tableLine().contains("refused"), row.tableLine());
  }
}
