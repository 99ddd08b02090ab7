package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.env.yaml.YamlPropertySourceLoader;
import io.micronaut.runtime.server.EmbeddedServer;
import io.planline.plan.PlannerRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The planner chosen in YAML is the one that plans: for every registered planner (by property
 * override) and every example in {@code config/} (as a YAML property source, as
 * {@code MICRONAUT_CONFIG_FILES} loads it), a real server shows it in {@code /plan} and, after an
 * inference, in {@code planline_memory_planned_bytes{planner=...}}. The metric is fed by the
 * runtime.
 */
final class PlannerSelectionTest {

  /** The strategies issue 5 asks an example file for. */
  static final Set<String> STRATEGIES =
      Set.of("greedy", "greedy-peak", "offset", "optimal", "inductor-pool", "noop");

  private static final Path CONFIG = Path.of("config");

  /**
   * Starts a server with {@code sources} plus {@code properties}, checks the planner shows in
   * {@code /plan}, {@code /plan.svg} and the metrics, and returns the plan.
   */
  private static JsonNode assertServesWith(String planner, Map<String, Object> properties,
      PropertySource... sources) {
    Map<String, Object> props = new HashMap<>(properties);
    props.put("micronaut.server.port", -1);
    try (ApplicationContext ctx = ApplicationContext.builder("test").properties(props)
        .propertySources(sources).start()) {
      EmbeddedServer server = ctx.getBean(EmbeddedServer.class).start();
      Http http = new Http(server);
      var plan = Http.json(http.get("/v2/models/digits-mlp/plan?x=3,64"));
      assertEquals(planner, plan.get("planner").asText(), plan.toString());
      var svg = http.get("/v2/models/digits-mlp/plan.svg?x=3,64");
      assertEquals(200, svg.statusCode(), Http.text(svg));
      assertTrue(Http.text(svg).contains(planner), "the picture's caption names the planner");
      assertEquals(200, http.postJson("/v2/models/digits-mlp/infer", "{\"inputs\":[{\"name\":"
          + "\"x\",\"shape\":[3,64],\"datatype\":\"FP32\",\"data\":" + InferJsonTest.pixels(192)
          + "}]}").statusCode());
      String metrics = Http.text(http.get("/prometheus"));
      String series = "planline_memory_planned_bytes{model=\"digits-mlp\",planner=\"" + planner
          + "\"} ";
      assertTrue(metrics.lines().anyMatch(l -> l.startsWith(series)
          && Double.parseDouble(l.substring(series.length())) >= plan.get("lower_bound_bytes")
              .asDouble()), series + "not in /prometheus");
      return plan;
    }
  }

  @TestFactory
  Stream<DynamicTest> serve_eachRegisteredPlanner_visibleInPlanAndMetrics() {
    // Every planner plans the same storages; only where they go differs.
    int storages = assertServesWith("noop", Map.of("planline.planner", "noop")).get("buffers")
        .asInt();
    return PlannerRegistry.builtIn().names().stream().map(name -> DynamicTest.dynamicTest(name,
        () -> {
          JsonNode plan = assertServesWith(name, Map.of("planline.planner", name));
          assertEquals(storages, plan.get("buffers").asInt(), plan.toString());
        }));
  }

  @Test
  void serve_perModelPlanner_overridesGlobalForThatModelOnly() {
    List<String> names = PlannerRegistry.builtIn().names();
    String global = names.get(0);
    String mine = names.get(names.size() - 1);
    assertServesWith(mine, Map.of("planline.planner", global, "planline.models[0].planner", mine));
  }

  @TestFactory
  Stream<DynamicTest> configExamples_eachPlannerFile_servesWithThatPlanner() throws IOException {
    try (Stream<Path> files = Files.list(CONFIG)) {
      return files.filter(f -> f.getFileName().toString().matches("planner-.*\\.yml")).sorted()
          .toList().stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String planner = f.getFileName().toString().replaceAll("^planner-|\\.yml$", "");
            PropertySource source = yaml(f);
            assertEquals(planner, source.get("planline.planner"), f + " names another planner");
            Assumptions.assumeTrue(PlannerRegistry.builtIn().names().contains(planner),
                "planner '" + planner + "' is not registered in this build yet");
            assertServesWith(planner, Map.of(), source);
          }));
    }
  }

  @Test
  void configExamples_onePerStrategy_andOneForEveryRegisteredPlanner() throws IOException {
    Set<String> examples;
    try (Stream<Path> files = Files.list(CONFIG)) {
      examples = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("planner-"))
          .map(n -> n.replaceAll("^planner-|\\.yml$", "")).collect(Collectors.toSet());
    }
    assertTrue(examples.containsAll(STRATEGIES), "missing examples: " + STRATEGIES + " vs "
        + examples);
    assertTrue(examples.containsAll(PlannerRegistry.builtIn().names()),
        "a registered planner has no config/planner-NAME.yml: " + examples);
  }

  @Test
  void configCuda_selectsCudaBackendAndAKnownStrategy() throws IOException {
    PropertySource cuda = yaml(CONFIG.resolve("cuda.yml"));
    assertEquals("cuda", cuda.get("planline.backend"));
    assertTrue(STRATEGIES.contains(String.valueOf(cuda.get("planline.planner"))));
  }

  static PropertySource yaml(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      Map<String, Object> map = new YamlPropertySourceLoader().read(file.toString(), in);
      return PropertySource.of(file.toString(), map);
    }
  }
}
