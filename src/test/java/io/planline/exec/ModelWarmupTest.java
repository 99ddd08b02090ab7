package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.planline.exec.batch.BatchSettings;
import io.planline.model.Model;
import io.planline.plan.Plan;
import io.planline.model.ModelLoader;
import io.planline.testing.ModelFolders;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import reactor.test.StepVerifier;

/**
 * Models warmed up with their own samples as they load ({@link ModelWarmup}), on the real CPU
 * backend with two streams: every stream runs the sample, nothing is counted as a client's
 * request, and a sample that cannot run fails the load saying why.
 */
final class ModelWarmupTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Counts the requests the runtime reports as executed (the statistics' source), and the
   * requests run with each plan (each input shape's program has its own).
   */
  private static final class Counting implements RuntimeObserver {
    final AtomicInteger executed = new AtomicInteger();
    final Map<Plan, Integer> used = Collections.synchronizedMap(new IdentityHashMap<>());

    @Override
    public void programExecuted(String model, String version) {
      executed.incrementAndGet();
    }

    @Override
    public void planUsed(String model, Plan plan) {
      used.merge(plan, 1, Integer::sum);
    }
  }

  private final Counting observer = new Counting();

  private static RuntimeSettings settings(List<RuntimeSettings.ModelSpec> models,
      List<RuntimeSettings.ModelSpec> available, int rounds) {
    return new RuntimeSettings("cpu", "offset", models, 64, 2, 16, Long.MAX_VALUE, 1_000,
        ProgramCacheSettings.DEFAULT, available).withWarmupRounds(rounds);
  }

  private static RuntimeSettings.ModelSpec builtIn(String name) {
    return new RuntimeSettings.ModelSpec(name, "1", null, null);
  }

  /** Requests run with the program for {@code model}'s sample shape. */
  private long sampleRuns(LocalInferenceService s, String model) throws IOException {
    return runs(s, model, -1);
  }

  /** As above, for the sample's first row alone ({@code firstRow}) or the whole sample. */
  private long runs(LocalInferenceService s, String model, boolean firstRow) throws IOException {
    return runs(s, model, firstRow ? 1 : -1);
  }

  /** As above, for the sample with {@code rows} rows (-1: as it is). */
  private long runs(LocalInferenceService s, String model, long rows) throws IOException {
    return observer.used.getOrDefault(program(s, model, rows).plan(), 0);
  }

  private static ExecutableProgram program(LocalInferenceService s, String model, long rows)
      throws IOException {
    Model m = s.find(model, null);
    Map<String, long[]> shapes = new LinkedHashMap<>();
    RequestExecutorTest.sample(model).inputs().forEach((k, v) -> {
      long[] shape = v.shape().clone();
      if (rows > 0) {
        shape[m.batchDim()] = rows;
      }
      shapes.put(k, shape);
    });
    return s.executable(m, shapes);
  }

  @Test
  void load_runsTheSampleOnEveryStreamUncounted() throws IOException {
    try (LocalInferenceService s = Runtimes.create(settings(List.of(builtIn("digits-cnn")),
        List.of(), 2), observer)) {
      assertEquals(4, sampleRuns(s, "digits-cnn"), "two rounds of one request per stream");
      assertEquals(4, runs(s, "digits-cnn", true), "and as many of its first row alone");
      assertEquals(0, observer.executed.get(), "warm-up requests are not the clients'");
      assertEquals(0, s.executor().measured(program(s, "digits-cnn", -1)).runs(),
          "nor among the program's measured runs");
      StepVerifier.create(s.infer("digits-cnn", null,
          RequestExecutorTest.sample("digits-cnn").inputs())).expectNextCount(1).verifyComplete();
      assertEquals(1, observer.executed.get());
      assertEquals(0, s.admission().running(), "every warm-up ticket returned");
    }
  }

  @Test
  void batching_warmsThePreferredBatchSizesToo() throws IOException {
    var spec = new RuntimeSettings.ModelSpec("digits-mlp", "1", null, null,
        ModelLoader.Kernels.AUTO, BatchSettings.of(16, List.of(4, 8), 2_000));
    try (LocalInferenceService s = Runtimes.create(settings(List.of(spec), List.of(), 1),
        observer)) {
      assertEquals(2, runs(s, "digits-mlp", -1), "the sample, [3, 64]");
      assertEquals(2, runs(s, "digits-mlp", 1));
      assertEquals(2, runs(s, "digits-mlp", 4), "its first row four times");
      assertEquals(2, runs(s, "digits-mlp", 8));
      assertEquals(0, runs(s, "digits-mlp", 5), "no other shape");
    }
  }

  @Test
  void noRounds_runsNothing() throws IOException {
    try (LocalInferenceService s = Runtimes.create(settings(List.of(builtIn("digits-cnn")),
        List.of(), 0), observer)) {
      assertEquals(0, sampleRuns(s, "digits-cnn"));
      assertEquals(0, runs(s, "digits-cnn", true));
    }
  }

  @Test
  void explicitLoad_warmsBeforeReady() throws IOException {
    try (LocalInferenceService s = Runtimes.create(settings(List.of(builtIn("digits-mlp")),
        List.of(builtIn("tiny-gpt")), 1), observer)) {
      StepVerifier.create(s.load("tiny-gpt")).verifyComplete();
      assertEquals(2, sampleRuns(s, "tiny-gpt"));
    }
  }

  /** digits-mlp's files in {@code dir}, its sample rewritten by {@code edit}. */
  private static Path copy(Path dir, Consumer<ObjectNode> edit) throws IOException {
    Path folder = Files.createDirectories(dir.resolve("copy"));
    for (String file : List.of("program.json", "weights.safetensors", "sample.json")) {
      try (InputStream in = ModelWarmupTest.class.getResourceAsStream(
          "/models/digits-mlp/" + file)) {
        Files.copy(in, folder.resolve(file));
      }
    }
    ObjectNode sample = (ObjectNode) JSON.readTree(folder.resolve("sample.json").toFile());
    edit.accept(sample);
    JSON.writeValue(folder.resolve("sample.json").toFile(), sample);
    return folder;
  }

  private static List<RuntimeSettings.ModelSpec> folder(Path folder) {
    return List.of(new RuntimeSettings.ModelSpec("copy", "1", folder.toString(), null));
  }

  @Test
  void sampleThatDoesNotFit_failsTheLoadSayingWhy(@TempDir Path dir) throws IOException {
    // 3 rows of 65 values: the program takes 64 columns
    Path folder = copy(dir, sample -> {
      ObjectNode x = (ObjectNode) sample.get("inputs").get("x");
      ((ArrayNode) x.get("shape")).removeAll().add(3).add(65);
      ArrayNode data = ((ArrayNode) x.get("data"));
      data.add(0.0).add(0.0).add(0.0);
    });
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Runtimes.create(settings(folder(folder), List.of(), 2), RuntimeObserver.NONE));
    assertTrue(e.getMessage().contains("model 'copy' version '1': its sample cannot be used"
        + " for the warm-up") && e.getMessage().contains("65"), e.getMessage());
  }

  @Test
  void sampleThatFailsToRun_failsTheStartAndStopsItsThreads(@TempDir Path dir)
      throws IOException, InterruptedException {
    // its second kernel looks indices shifted by 10 up in a 4-row table
    Path folder = ModelFolders.write(dir.resolve("failing"), ModelFolders.FAILING, "w",
        new long[] {4, 2}, new float[8]);
    Files.writeString(folder.resolve("sample.json"),
        "{\"inputs\": {\"idx\": {\"dtype\": \"int64\", \"shape\": [2], \"data\": [0, 1]}}}");
    long plannersBefore = planners();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Runtimes.create(settings(List.of(new RuntimeSettings.ModelSpec("failing", "1",
            folder.toString(), null)), List.of(), 1), RuntimeObserver.NONE));
    assertTrue(e.getMessage().contains("model 'failing' version '1': its sample failed in the"
        + " warm-up (inputs idx[2])"), e.getMessage());
    // the runtime it was making stopped the planning threads that compiled the sample's program
    for (int i = 0; i < 200 && planners() > plannersBefore; i++) {
      Thread.sleep(10);
    }
    assertEquals(plannersBefore, planners(), "planning threads left running");
  }

  private static long planners() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("planline-plan-") && t.isAlive()).count();
  }

  @Test
  void explicitLoadOfASampleThatDoesNotFit_failsAndIndexSaysWhy(@TempDir Path dir)
      throws IOException {
    Path folder = copy(dir, sample -> ((ObjectNode) sample.get("inputs")).set("y",
        sample.get("inputs").get("x")));
    try (LocalInferenceService s = Runtimes.create(settings(List.of(builtIn("digits-mlp")),
        folder(folder), 2), RuntimeObserver.NONE)) {
      StepVerifier.create(s.load("copy"))
          .expectErrorSatisfies(e -> assertTrue(e instanceof InferenceException.Failed
              && e.getMessage().contains("its sample cannot be used for the warm-up")
              && e.getMessage().contains("unexpected input 'y'"), e.toString()))
          .verify();
      ModelState state = s.index().stream().filter(m -> m.name().equals("copy")).findFirst()
          .orElseThrow();
      assertEquals(ModelState.State.UNAVAILABLE, state.state());
      assertTrue(state.reason().contains("unexpected input 'y'"), state.reason());
      assertTrue(s.ready("digits-mlp", null), "the other model serves on");
    }
  }

  @Test
  void outputsOffTheSample_loadWithAWarningSayingByHowMuch(@TempDir Path dir)
      throws IOException {
    Path folder = copy(dir, sample -> {
      ObjectNode y = (ObjectNode) sample.get("outputs").fields().next().getValue();
      ArrayNode data = (ArrayNode) y.get("data");
      for (int i = 0; i < data.size(); i++) {
        data.set(i, data.get(i).asDouble() * 2);
      }
    });
    Logger logger = (Logger) LoggerFactory.getLogger(ModelWarmup.class);
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    logger.addAppender(seen);
    try (LocalInferenceService s = Runtimes.create(settings(folder(folder), List.of(), 1),
        RuntimeObserver.NONE)) {
      assertTrue(s.ready("copy", null));
      List<String> warnings = seen.list.stream().filter(ev -> ev.getLevel() == Level.WARN)
          .map(ILoggingEvent::getFormattedMessage).toList();
      assertEquals(1, warnings.size(), warnings.toString());
      // y / 2y: half of the largest expected value
      assertTrue(warnings.get(0).contains("model 'copy' version '1': its outputs differ from its"
          + " sample's (PyTorch's) by 0.5"), warnings.get(0));
    } finally {
      logger.detachAppender(seen);
    }
  }

  @Test
  void matchingSample_loadsWithoutAWarning() throws IOException {
    Logger logger = (Logger) LoggerFactory.getLogger(ModelWarmup.class);
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    logger.addAppender(seen);
    try (LocalInferenceService s = Runtimes.create(settings(List.of(builtIn("digits-mlp")),
        List.of(), 1), RuntimeObserver.NONE)) {
      List<String> lines = seen.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertEquals(1, lines.size(), lines.toString());
      assertTrue(lines.get(0).startsWith("warmed model 'digits-mlp' version '1' up with its"
          + " sample (x[3, 64]; x[1, 64]): 4 requests") && lines.get(0).contains("of PyTorch's"),
          lines.get(0));
    } finally {
      logger.detachAppender(seen);
    }
  }
}
