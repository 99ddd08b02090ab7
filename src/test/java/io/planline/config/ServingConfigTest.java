package io.planline.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.ApplicationContext;
import io.planline.plan.PlannerRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up validation of the {@code planline.*} configuration: through a real Micronaut context
 * (binding from properties, as YAML and the environment give them), a bad planner, backend or
 * model path stops start-up with a message listing what is valid.
 */
final class ServingConfigTest {

  private static final String KNOWN = String.join(", ", PlannerRegistry.builtIn().names());

  /** Starts a context with {@code properties}, returns its configuration, and closes it. */
  static ServingConfig start(Map<String, Object> properties) {
    try (ApplicationContext ctx = ApplicationContext.run(properties, "test", "config-check")) {
      return ctx.getBean(ServingConfig.class);
    }
  }

  /** The problems start-up reports for {@code properties}. */
  static String failure(Map<String, Object> properties) {
    RuntimeException e = assertThrows(RuntimeException.class, () -> start(properties));
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InvalidConfigException invalid) {
        return invalid.getMessage();
      }
    }
    throw new AssertionError("start-up failed without an InvalidConfigException", e);
  }

  private static void assertContains(String text, String... fragments) {
    for (String f : fragments) {
      assertTrue(text.contains(f), "'" + text + "' should contain '" + f + "'");
    }
  }

  @Test
  void start_defaults_threeBuiltInModelsOnCpu() {
    ServingConfig c = start(Map.of());
    assertEquals(Backend.CPU, c.backend());
    assertEquals(ServingConfig.BUILT_IN_MODELS,
        c.models().stream().map(ModelSpec::name).toList());
    assertTrue(c.models().stream().allMatch(m -> m.builtIn() && m.planner().equals(c.planner())));
    assertEquals(16L << 20, c.maxRequestBytes());
  }

  @Test
  void start_unknownPlanner_failsListingValidPlanners() {
    assertContains(failure(Map.of("planline.planner", "best-fit")),
        "planline.planner: unknown planner 'best-fit'", "valid planners: " + KNOWN);
  }

  @Test
  void start_unknownBackend_failsListingValidBackends() {
    assertContains(failure(Map.of("planline.backend", "tpu")),
        "unknown backend 'tpu'", "valid backends: cpu, cuda, auto");
  }

  @Test
  void start_backendAnyCase_accepted() {
    assertEquals(Backend.AUTO, start(Map.of("planline.backend", "AUTO")).backend());
  }

  @Test
  void start_perModelPlannerOverride_onlyThatModel() {
    String other = PlannerRegistry.builtIn().names().get(0);
    ServingConfig c = start(Map.of("planline.models[1].planner", other));
    assertEquals(other, c.models().get(1).planner());
    assertEquals("digits-cnn", c.models().get(1).name());
  }

  @Test
  void start_perModelUnknownPlanner_failsNamingEntry() {
    assertContains(failure(Map.of("planline.models[2].planner", "magic")),
        "planline.models[2].planner: unknown planner 'magic'", KNOWN);
  }

  @Test
  void start_modelPathMissing_failsNamingPath(@TempDir Path dir) {
    Path missing = dir.resolve("nowhere");
    assertContains(failure(Map.of("planline.models[3].name", "mine",
        "planline.models[3].path", missing.toString())),
        "planline.models[3].path", missing.toString(), "is not a directory");
  }

  @Test
  void start_modelFolderWithoutProgram_failsSayingWhatAFolderHolds(@TempDir Path dir) {
    assertContains(failure(Map.of("planline.models[3].name", "mine",
        "planline.models[3].path", dir.toString())), "has no program.json");
  }

  @Test
  void start_modelFolderWithProgram_servedFromThatFolder(@TempDir Path dir) throws IOException {
    try (var in = ServingConfigTest.class.getResourceAsStream("/models/digits-mlp/program.json")) {
      Files.copy(in, dir.resolve("program.json"));
    }
    ServingConfig c = start(Map.of("planline.models[3].name", "mine",
        "planline.models[3].version", "7", "planline.models[3].path", dir.toString()));
    ModelSpec mine = c.models().get(3);
    assertEquals("mine", mine.name());
    assertEquals("7", mine.version());
    assertEquals(dir.toAbsolutePath().normalize(), mine.folder());
  }

  @Test
  void start_modelPathIsAnOnnxFile_saysWhatPlanlineReads(@TempDir Path dir) throws IOException {
    Path onnx = dir.resolve("mlp.onnx");
    try (var in = ServingConfigTest.class.getResourceAsStream("/models/digits-mlp/model.onnx")) {
      Files.copy(in, onnx);
    }
    assertContains(failure(Map.of("planline.models[3].name", "mine",
        "planline.models[3].path", onnx.toString())), "models[3].path: " + onnx, "ONNX",
        "program.json");
  }

  @Test
  void start_unknownBuiltInModel_failsListingBuiltIns() {
    assertContains(failure(Map.of("planline.models[0].name", "resnet")),
        "'resnet' is not a built-in model", "digits-mlp, digits-cnn, tiny-gpt");
  }

  @Test
  void start_sameModelTwice_fails() {
    assertContains(failure(Map.of("planline.models[1].name", "digits-mlp")),
        "configured twice");
  }

  @Test
  void start_abuseLimitsOutOfRange_failWithEveryProblemListed() {
    Map<String, Object> bad = new HashMap<>();
    bad.put("planline.max-cached-shapes", 0);
    bad.put("planline.planning-threads", 0);
    bad.put("planline.max-response-bytes", 0);
    bad.put("planline.shutdown-timeout-seconds", -1);
    bad.put("planline.idle-timeout-seconds", 0);
    bad.put("planline.max-connections", 0);
    assertContains(failure(bad), "max-cached-shapes: must be at least 1, got 0",
        "planning-threads: must be at least 1, got 0",
        "max-response-bytes: must be at least 1, got 0",
        "shutdown-timeout-seconds: must be at least 0, got -1",
        "idle-timeout-seconds: must be at least 1, got 0",
        "max-connections: must be at least 1, got 0");
  }

  @Test
  void start_modelWarmupRounds_twoByDefaultZeroTurnsItOffNegativeFails() {
    assertEquals(2, start(Map.of()).modelWarmupRounds());
    assertEquals(0, start(Map.of("planline.model-warmup-rounds", 0)).modelWarmupRounds());
    assertContains(failure(Map.of("planline.model-warmup-rounds", -1)),
        "planline.model-warmup-rounds: must be at least 0, got -1");
  }

  @Test
  void start_graphs_offByDefaultOnWhenSet() {
    assertEquals(new ServingConfig.Graphs(false, 256L << 20), start(Map.of()).graphs());
    assertEquals(new ServingConfig.Graphs(true, 1024), start(Map.of("planline.graphs", true,
        "planline.graph-max-bytes", 1024)).graphs());
    assertContains(failure(Map.of("planline.graph-max-bytes", -1)),
        "graph-max-bytes: must be at least 0, got -1");
  }

  @Test
  void start_negativeLimits_failWithEveryProblemListed() {
    Map<String, Object> bad = new HashMap<>();
    bad.put("planline.queue-capacity", -1);
    bad.put("planline.max-concurrent-requests", -1);
    bad.put("planline.planner", "nope");
    String message = failure(bad);
    assertContains(message, "queue-capacity: must be at least 0, got -1",
        "max-concurrent-requests: must be at least 0, got -1", "unknown planner 'nope'");
  }

  @Test
  void resolve_noModels_failsNamingBuiltIns() {
    var e = assertThrows(InvalidConfigException.class,
        () -> ServingConfig.resolve(new PlanlineConfig(), List.of(), PlannerRegistry.builtIn()));
    assertContains(e.getMessage(), "no models configured", "tiny-gpt");
  }

  @Test
  void modelSpec_builtIn_hasNoFolder() {
    ModelSpec m = new ModelSpec("digits-mlp", "1", "noop", null);
    assertTrue(m.builtIn());
    assertNull(m.folder());
  }
}
