package io.planline.config;

import io.planline.io.OnnxAdvice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The models of a model repository laid out as Triton's, {@code <root>/<model>/<version>/}
 * ({@code planline.model-repository}), each version folder a planline model folder. As Triton
 * does, a version is a folder named by a positive integer; other folders and files beside them
 * ({@code config.pbtxt}, notes) and hidden entries ({@code ..data} of a mounted volume) are
 * skipped. A model's versions are in numeric order, so its default version is the highest.
 * Every model takes the global planner, kernels and batching settings.
 *
 * @param root the repository's folder, or null when none is configured
 * @param models every version found, a model's versions together
 */
public record ModelRepository(@Nullable Path root, List<ModelSpec> models) {

  /** No repository configured. */
  public static final ModelRepository NONE = new ModelRepository(null, List.of());

  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");
  private static final String KEY = "planline.model-repository";

  public ModelRepository {
    models = List.copyOf(models);
  }

  /**
   * Scans the repository {@code raw} names, if any.
   *
   * @throws InvalidConfigException listing every problem: a root that is not a folder, a model
   *     folder with no version, a version without {@code program.json}, a bad model name, a name
   *     also configured under {@code planline.models}
   */
  public static ModelRepository scan(PlanlineConfig raw, ServingConfig config) {
    String rootText = raw.getModelRepository();
    if (rootText == null || rootText.isBlank()) {
      return NONE;
    }
    Path root = Path.of(rootText).toAbsolutePath().normalize();
    List<String> problems = new ArrayList<>();
    List<ModelSpec> models = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      throw new InvalidConfigException(List.of(KEY + ": " + root + " is not a directory (a model"
          + " repository holds <model>/<version>/" + ServingConfig.PROGRAM_FILE + ")"));
    }
    for (Path dir : children(root)) {
      String name = dir.getFileName().toString();
      if (!MODEL_NAME.matcher(name).matches()) {
        problems.add(KEY + ": " + dir + ": '" + name + "' is not a model name (letters, digits,"
            + " '.', '_', '-'; starting with a letter or digit)");
        continue;
      }
      config.models().stream().filter(m -> m.name().equals(name)).findFirst().ifPresent(m ->
          problems.add(KEY + ": model '" + name + "' (" + dir + ") is also configured under"
              + " planline.models; serve it from one place"));
      List<Path> versions = children(dir).stream()
          .filter(v -> VERSION.matcher(v.getFileName().toString()).matches())
          .sorted(Comparator.comparingLong(v -> Long.parseLong(v.getFileName().toString())))
          .toList();
      if (versions.isEmpty()) {
        problems.add(KEY + ": " + dir + " has no version folder (Triton's layout: " + dir
            + "/1/" + ServingConfig.PROGRAM_FILE + "; a version is a positive integer)");
      }
      for (Path v : versions) {
        if (!Files.isRegularFile(v.resolve(ServingConfig.PROGRAM_FILE))) {
          // a Triton repository's ONNX version folder is the likeliest: say how to convert it
          problems.add(KEY + ": " + v + OnnxAdvice.about(v).map(a -> ": " + a).orElse(" has no "
              + ServingConfig.PROGRAM_FILE + " (each version folder is a planline model folder: "
              + ServingConfig.PROGRAM_FILE + ", weights.safetensors)"));
          continue;
        }
        BatchingSpec batching = BatchingSpec.resolve(null, raw.getBatching(), "planline.batching",
            problems);
        models.add(new ModelSpec(name, v.getFileName().toString(), raw.getPlanner(), v,
            raw.getKernels(), batching));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return new ModelRepository(root, models);
  }

  /** The folders directly in {@code dir}, by name, hidden ones skipped. */
  private static List<Path> children(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  /** Whether a repository is configured. */
  public boolean configured() {
    return root != null;
  }
}
