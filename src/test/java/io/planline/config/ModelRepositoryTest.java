package io.planline.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.ApplicationContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code planline.model-repository} read through a real Micronaut context (configuration only,
 * no runtime) from real folders in Triton's layout.
 */
final class ModelRepositoryTest {

  private static ModelRepository start(Map<String, Object> properties) {
    try (ApplicationContext ctx = ApplicationContext.run(properties, "test", "config-check")) {
      return ctx.getBean(ModelRepository.class);
    }
  }

  private static String failure(Map<String, Object> properties) {
    RuntimeException e = assertThrows(RuntimeException.class, () -> start(properties));
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InvalidConfigException invalid) {
        return invalid.getMessage();
      }
    }
    throw new AssertionError("start-up failed without an InvalidConfigException", e);
  }

  private static void version(Path root, String model, String version) throws IOException {
    Path dir = Files.createDirectories(root.resolve(model).resolve(version));
    Files.writeString(dir.resolve("program.json"), "{}");
  }

  @Test
  void scan_tritonLayout_versionsInNumericOrderOtherEntriesSkipped(@TempDir Path root)
      throws IOException {
    version(root, "mlp", "10");
    version(root, "mlp", "2");
    version(root, "mlp", "1");
    version(root, "cnn", "3");
    Files.createDirectories(root.resolve("mlp").resolve("notes"));
    Files.writeString(root.resolve("mlp").resolve("config.pbtxt"), "name: \"mlp\"");
    Files.createDirectories(root.resolve("..data").resolve("1")); // a mounted volume's own
    Files.writeString(root.resolve("README.txt"), "models");
    ModelRepository r = start(Map.of("planline.model-repository", root.toString(),
        "planline.planner", "greedy", "planline.batching.enabled", "true"));
    assertEquals(List.of("cnn/3", "mlp/1", "mlp/2", "mlp/10"),
        r.models().stream().map(m -> m.name() + "/" + m.version()).toList());
    ModelSpec mlp10 = r.models().get(3);
    assertEquals(root.resolve("mlp").resolve("10").toAbsolutePath().normalize(), mlp10.folder());
    assertEquals("greedy", mlp10.planner());
    assertTrue(mlp10.batching().enabled(), "the global batching settings apply");
  }

  @Test
  void scan_noConfiguredModels_allowedOnlyWithARepository(@TempDir Path root) throws IOException {
    version(root, "mlp", "1");
    Map<String, Object> onlyRepository = Map.of("planline.models", List.of(),
        "planline.model-repository", root.toString());
    try (ApplicationContext ctx = ApplicationContext.run(onlyRepository, "test",
        "config-check")) {
      assertEquals(0, ctx.getBean(ServingConfig.class).models().size());
      assertEquals(1, ctx.getBean(ModelRepository.class).models().size());
    }
    String message = failure(Map.of("planline.models", List.of()));
    assertTrue(message.contains("no models configured")
        && message.contains("planline.model-repository"), message);
  }

  @Test
  void scan_noRepositoryConfigured_none() {
    assertEquals(ModelRepository.NONE, start(Map.of()));
  }

  @Test
  void scan_rootNotADirectory_namesTheKeyAndPath(@TempDir Path dir) {
    String message = failure(Map.of("planline.model-repository",
        dir.resolve("absent").toString()));
    assertTrue(message.contains("planline.model-repository: ") && message.contains("absent")
        && message.contains("is not a directory"), message);
  }

  @Test
  void scan_everyProblem_listedWithItsPath(@TempDir Path root) throws IOException {
    Files.createDirectories(root.resolve("empty").resolve("latest"));
    Files.createDirectories(root.resolve("noprogram").resolve("1"));
    version(root, "-bad", "1");
    version(root, "digits-mlp", "1");
    String message = failure(Map.of("planline.model-repository", root.toString()));
    for (String fragment : List.of(
        root.resolve("empty") + " has no version folder",
        root.resolve("noprogram").resolve("1") + " has no program.json",
        "'-bad' is not a model name",
        "model 'digits-mlp' (" + root.resolve("digits-mlp") + ") is also configured")) {
      assertTrue(message.contains(fragment), "'" + message + "' should contain '" + fragment
          + "'");
    }
  }

  /** A Triton repository's ONNX version folder: what planline reads and how to convert. */
  @Test
  void scan_onnxVersionFolder_saysHowToConvert(@TempDir Path root) throws IOException {
    Path v = Files.createDirectories(root.resolve("mlp").resolve("1"));
    try (var in = ModelRepositoryTest.class.getResourceAsStream(
        "/models/digits-mlp/model.onnx")) {
      Files.copy(in, v.resolve("model.onnx"));
    }
    String message = failure(Map.of("planline.model-repository", root.toString()));
    assertTrue(message.contains(v + ": holds an ONNX model (model.onnx) but no program.json"),
        message);
  }
}
