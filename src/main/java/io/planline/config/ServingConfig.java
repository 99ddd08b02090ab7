package io.planline.config;

import static java.util.Objects.requireNonNull;

import io.planline.io.OnnxAdvice;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlannerRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The validated serving configuration the runtime and the server read: every model with its
 * planner resolved, the backend, and the admission limits.
 *
 * <p>{@link #resolve} collects every problem before failing, so one start-up attempt shows the
 * whole list, each with what would have been valid.
 *
 * @param planner the global planner
 * @param backend where kernels run
 * @param kernelWindow kernel launches in flight per stream
 * @param maxConcurrentRequests requests executing at once; 0: one per core on the CPU backend,
 *     two on CUDA
 * @param queueCapacity requests that may wait
 * @param deviceMemoryBudgetBytes device bytes running requests may plan together
 * @param maxRequestBytes the largest accepted request body
 * @param retryAfterSeconds what a 503's {@code Retry-After} says
 * @param planBudgetMillis planning time budget per new shape
 * @param limits bounds on what abusive traffic can make the server hold
 * @param models the models to serve, in configuration order
 * @param graphs recorded replays of small shapes ({@code planline.graphs})
 * @param modelWarmupRounds rounds of each model's warm-up with its sample as it loads
 *     ({@code planline.model-warmup-rounds}; 0: none)
 */
public record ServingConfig(String planner, Backend backend, int kernelWindow,
    int maxConcurrentRequests, int queueCapacity, long deviceMemoryBudgetBytes,
    long maxRequestBytes, int retryAfterSeconds, long planBudgetMillis, Limits limits,
    List<ModelSpec> models, Graphs graphs, int modelWarmupRounds) {

  /**
   * {@code planline.graphs} and {@code planline.graph-max-bytes}.
   *
   * @param enabled whether each shape's launches are recorded once and replayed
   * @param maxBytes the most arena bytes one recording keeps resident
   */
  public record Graphs(boolean enabled, long maxBytes) {}

  /**
   * Bounds that keep memory, threads and connections finite under any traffic.
   *
   * @param maxCachedShapes compiled programs (input shapes) each model keeps
   * @param planningThreads threads that plan new shapes
   * @param maxResponseBytes the largest infer response
   * @param shutdownTimeoutSeconds how long a drain waits for admitted requests
   * @param idleTimeoutSeconds idle time after which a connection is closed
   * @param maxConnections open connections accepted at once
   */
  public record Limits(int maxCachedShapes, int planningThreads, long maxResponseBytes,
      int shutdownTimeoutSeconds, int idleTimeoutSeconds, int maxConnections) {}

  /** Models the jar ships (the runtime's built-in repository). */
  public static final List<String> BUILT_IN_MODELS =
      List.of("digits-mlp", "digits-cnn", "tiny-gpt");

  /** The file a model folder must hold. */
  public static final String PROGRAM_FILE = "program.json";

  /** Values of {@code kernels} (the model loader's choices; config sits below the model layer). */
  public static final List<String> KERNELS = List.of("auto", "inductor", "java");

  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  public ServingConfig {
    requireNonNull(planner, "planner");
    requireNonNull(backend, "backend");
    models = List.copyOf(models);
  }

  /** The planning options every model's plans use. */
  public PlanOptions planOptions() {
    return PlanOptions.DEFAULT.withBudgetMillis(planBudgetMillis);
  }

  /**
   * Validates and resolves the raw settings.
   *
   * @throws InvalidConfigException listing every problem and, for names, the valid choices
   */
  public static ServingConfig resolve(PlanlineConfig raw, List<ModelConfig> entries,
      PlannerRegistry planners) {
    List<String> problems = new ArrayList<>();
    String known = String.join(", ", planners.names());
    if (!planners.names().contains(raw.getPlanner())) {
      problems.add("planline.planner: unknown planner '" + raw.getPlanner()
          + "'; valid planners: " + known);
    }
    Backend backend = Backend.CPU;
    try {
      backend = Backend.parse(raw.getBackend());
    } catch (IllegalArgumentException e) {
      problems.add("planline.backend: " + e.getMessage());
    }
    atLeast(problems, "kernel-window", raw.getKernelWindow(), 1);
    atLeast(problems, "max-concurrent-requests", raw.getMaxConcurrentRequests(), 0);
    atLeast(problems, "queue-capacity", raw.getQueueCapacity(), 0);
    atLeast(problems, "device-memory-budget-bytes", raw.getDeviceMemoryBudgetBytes(), 1);
    atLeast(problems, "max-request-bytes", raw.getMaxRequestBytes(), 1);
    atLeast(problems, "retry-after-seconds", raw.getRetryAfterSeconds(), 0);
    atLeast(problems, "plan-budget-millis", raw.getPlanBudgetMillis(), 0);
    atLeast(problems, "max-cached-shapes", raw.getMaxCachedShapes(), 1);
    atLeast(problems, "planning-threads", raw.getPlanningThreads(), 1);
    atLeast(problems, "max-response-bytes", raw.getMaxResponseBytes(), 1);
    atLeast(problems, "shutdown-timeout-seconds", raw.getShutdownTimeoutSeconds(), 0);
    atLeast(problems, "idle-timeout-seconds", raw.getIdleTimeoutSeconds(), 1);
    atLeast(problems, "max-connections", raw.getMaxConnections(), 1);
    atLeast(problems, "graph-max-bytes", raw.getGraphMaxBytes(), 0);
    atLeast(problems, "model-warmup-rounds", raw.getModelWarmupRounds(), 0);
    List<ModelConfig> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingInt(ModelConfig::getIndex));
    boolean repository = raw.getModelRepository() != null
        && !raw.getModelRepository().isBlank();
    if (sorted.isEmpty() && !repository) {
      problems.add("planline.models: no models configured; built-in models: "
          + String.join(", ", BUILT_IN_MODELS) + " (or give a folder with 'path', or a"
          + " planline.model-repository)");
    }
    List<ModelSpec> models = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (ModelConfig m : sorted) {
      ModelSpec spec = model(m, raw, planners, known, problems);
      if (spec != null && !seen.add(spec.name() + "\u0000" + spec.version())) {
        problems.add(where(m) + ": model '" + spec.name() + "' version '" + spec.version()
            + "' is configured twice");
      }
      if (spec != null) {
        models.add(spec);
      }
    }
    if (!problems.isEmpty()) {
      // A bad global batching value is found once per model that inherits it: say it once.
      throw new InvalidConfigException(new ArrayList<>(new java.util.LinkedHashSet<>(problems)));
    }
    return new ServingConfig(raw.getPlanner(), backend, raw.getKernelWindow(),
        raw.getMaxConcurrentRequests(), raw.getQueueCapacity(), raw.getDeviceMemoryBudgetBytes(),
        raw.getMaxRequestBytes(), raw.getRetryAfterSeconds(), raw.getPlanBudgetMillis(),
        new Limits(raw.getMaxCachedShapes(), raw.getPlanningThreads(), raw.getMaxResponseBytes(),
            raw.getShutdownTimeoutSeconds(), raw.getIdleTimeoutSeconds(),
            raw.getMaxConnections()), models,
        new Graphs(raw.isGraphs(), raw.getGraphMaxBytes()), raw.getModelWarmupRounds());
  }

  private static @org.jspecify.annotations.Nullable ModelSpec model(ModelConfig m,
      PlanlineConfig raw, PlannerRegistry planners, String known, List<String> problems) {
    String globalPlanner = raw.getPlanner();
    String globalKernels = raw.getKernels();
    int before = problems.size();
    BatchingSpec batching = BatchingSpec.resolve(m.getBatching(), raw.getBatching(),
        where(m) + ".batching", problems);
    String name = m.getName();
    if (name == null || !MODEL_NAME.matcher(name).matches()) {
      problems.add(where(m) + ".name: '" + name + "' is not a model name (letters, digits, '.',"
          + " '_', '-'; starting with a letter or digit)");
    }
    String planner = m.getPlanner() == null ? globalPlanner : m.getPlanner();
    if (m.getPlanner() != null && !planners.names().contains(planner)) {
      problems.add(where(m) + ".planner: unknown planner '" + planner + "'; valid planners: "
          + known);
    }
    String kernels = m.getKernels() == null ? globalKernels : m.getKernels();
    if (!KERNELS.contains(kernels)) {
      problems.add((m.getKernels() == null ? "planline.kernels" : where(m) + ".kernels")
          + ": unknown kernels '" + kernels + "'; valid: " + String.join(", ", KERNELS));
    }
    if (m.getVersion().isBlank()) {
      problems.add(where(m) + ".version: blank");
    }
    Path folder = null;
    if (m.getPath() == null) {
      if (name != null && !BUILT_IN_MODELS.contains(name)) {
        problems.add(where(m) + ": '" + name + "' is not a built-in model (built-in models: "
            + String.join(", ", BUILT_IN_MODELS) + "); give a model folder with 'path'");
      }
    } else {
      folder = Path.of(m.getPath()).toAbsolutePath().normalize();
      Optional<String> onnx = OnnxAdvice.about(folder);
      if (onnx.isPresent()) {
        problems.add(where(m) + ".path: " + folder + ": " + onnx.get());
      } else if (!Files.isDirectory(folder)) {
        problems.add(where(m) + ".path: " + folder + " is not a directory (a model path is a"
            + " folder holding " + PROGRAM_FILE + " and weights.safetensors)");
      } else if (!Files.isRegularFile(folder.resolve(PROGRAM_FILE))) {
        problems.add(where(m) + ".path: " + folder + " has no " + PROGRAM_FILE
            + " (a model path is a folder holding " + PROGRAM_FILE + " and weights.safetensors)");
      }
    }
    return problems.size() > before || name == null ? null
        : new ModelSpec(name, m.getVersion(), planner, folder, kernels, batching);
  }

  private static String where(ModelConfig m) {
    return "planline.models[" + m.getIndex() + "]";
  }

  private static void atLeast(List<String> problems, String key, long value, long min) {
    if (value < min) {
      problems.add("planline." + key + ": must be at least " + min + ", got " + value);
    }
  }
}
