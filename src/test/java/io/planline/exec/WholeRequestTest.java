package io.planline.exec;

import static io.planline.exec.RequestExecutorTest.awaitInUse;
import static io.planline.exec.RequestExecutorTest.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.HostTensor;
import io.planline.model.ModelLoader;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Small programs on the CPU run whole, in one stream task (a window at least their step count):
 * the same answers, cancellation and memory accounting as the staged pipeline (failures:
 * {@code RequestExecutorTest}, at both windows).
 */
final class WholeRequestTest {

  private static final int WINDOW = 64;

  private static LocalInferenceService service(String model, String folder) {
    return Runtimes.create(new RuntimeSettings("cpu", "offset", List.of(
        new RuntimeSettings.ModelSpec(model, "1", folder, null)), WINDOW, 2, 64, Long.MAX_VALUE,
        1_000));
  }

  /**
   * Programs of compiled kernels with calls on several threads (digits-cnn [512]'s convolutions)
   * run every request on stream 0 (such calls take the process's turn anyway; more stream
   * threads only add OpenMP teams); Java-kernel programs still spread over the free streams.
   * Both answer every request as when it runs alone.
   */
  @Test
  void compiledKernels_everyRequestOnStreamZero_javaKernels_spread() {
    for (var kernels : List.of(ModelLoader.Kernels.INDUCTOR, ModelLoader.Kernels.JAVA)) {
      if (kernels == ModelLoader.Kernels.INDUCTOR && !InductorKernels.runHere()) {
        continue;
      }
      try (LocalInferenceService s = Runtimes.create(new RuntimeSettings("cpu", "offset",
          List.of(new RuntimeSettings.ModelSpec("digits-cnn", "1", null, null, kernels)),
          WINDOW, 4, 64, Long.MAX_VALUE, 1_000))) {
        s.executor().inlineBelow(0); // every request through a stream, none on this thread
        s.executor().crowdAt(0); // every request splits its large calls (CrowdRule off)
        s.splitRule(SplitRule.OFF); // and runs whole (SplitRule)
        // a batch large enough that a request still runs when the next one starts
        float[] pixels = new float[512 * 64];
        Random rnd = new Random(3);
        for (int i = 0; i < pixels.length; i++) {
          pixels[i] = rnd.nextInt(17);
        }
        var in = Map.of("x", HostTensor.ofFloats("x", new long[] {512, 1, 8, 8}, pixels));
        float[] alone = s.infer("digits-cnn", null, in).block().get(0).floats();
        List<List<HostTensor>> together = Flux.range(0, 8)
            .flatMap(i -> s.infer("digits-cnn", null, in), 8)
            .collectList().block(Duration.ofSeconds(60));
        for (List<HostTensor> out : together) {
          assertEquals(0.0, HostTensor.relativeError(out.get(0).floats(), alone), kernels
              + ": a request's answer");
        }
        boolean compiled = s.executable(s.find("digits-cnn", null),
            Map.of("x", new long[] {512, 1, 8, 8})).compiledKernels();
        assertEquals(kernels == ModelLoader.Kernels.INDUCTOR, compiled);
        int others = kernelsOnStreamsPastZero(s);
        if (compiled && Runtime.getRuntime().availableProcessors() > 1) {
          // (on one core every call runs on one thread, and the program spreads)
          assertEquals(0, others, "compiled kernels ran on a stream other than 0");
        } else {
          assertTrue(others > 0, "Java kernels never used a second stream");
        }
      }
    }
  }

  /**
   * In a crowd ({@link CrowdRule}), requests of a program whose calls split over the cores
   * (digits-cnn [512]'s convolution) run each call on one thread and spread over the streams.
   * Each answer matches the request's answer alone within float rounding (one thread may sum in
   * another order than two). Such runs do not make the program count as one of one-thread
   * calls: a request alone afterwards splits again, on stream 0.
   */
  @Test
  void compiledKernels_inACrowd_oneThreadPerCall_spreadOverStreams() {
    if (!InductorKernels.runHere() || Runtime.getRuntime().availableProcessors() < 2) {
      return; // on one core every call runs on one thread anyway
    }
    try (LocalInferenceService s = Runtimes.create(new RuntimeSettings("cpu", "offset",
        List.of(new RuntimeSettings.ModelSpec("digits-cnn", "1", null, null,
            ModelLoader.Kernels.INDUCTOR)), WINDOW, 4, 64, Long.MAX_VALUE, 1_000))) {
      s.executor().inlineBelow(0);
      s.executor().crowdAt(2);
      s.splitRule(SplitRule.OFF); // alone, a request runs whole (SplitRule)
      long baseline = s.executor().backend().bytesInUse();
      Random rnd = new Random(5);
      List<Map<String, HostTensor>> inputs = new ArrayList<>();
      List<float[]> alone = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        float[] pixels = new float[512 * 64];
        for (int j = 0; j < pixels.length; j++) {
          pixels[j] = rnd.nextInt(17);
        }
        var in = Map.of("x", HostTensor.ofFloats("x", new long[] {512, 1, 8, 8}, pixels));
        inputs.add(in);
        alone.add(s.infer("digits-cnn", null, in).block().get(0).floats());
      }
      var program = s.executable(s.find("digits-cnn", null),
          Map.of("x", new long[] {512, 1, 8, 8}));
      assertFalse(s.executor().measured(program).oneThreadCalls(), "alone, its calls split");
      assertEquals(0, s.executor().maxKernelsInFlight(1), "one at a time, stream 0");
      List<List<HostTensor>> together = Flux.range(0, inputs.size())
          .flatMapSequential(i -> s.infer("digits-cnn", null, inputs.get(i)), 6)
          .collectList().block(Duration.ofSeconds(60));
      for (int i = 0; i < inputs.size(); i++) {
        assertTrue(HostTensor.relativeError(together.get(i).get(0).floats(), alone.get(i)) < 1e-5,
            "request " + i);
      }
      int others = kernelsOnStreamsPastZero(s);
      assertTrue(others > 0, "requests in a crowd never used a second stream");
      assertFalse(s.executor().measured(program).oneThreadCalls(),
          "a crowded run must not mark the program as one of one-thread calls");
      awaitInUse(s, baseline);
    }
  }

  /**
   * A program of compiled kernels whose native calls all run on one thread (tiny-gpt [1,64]'s
   * oneDNN products and kernels, digits-cnn [1]'s oneDNN convolution: all under the thresholds
   * for a second thread) spreads its requests over the streams once a run has shown it, and
   * those calls then run side by side, each thread on its own oneDNN primitives: every answer
   * must equal the request's answer alone.
   */
  @Test
  void compiledKernels_oneThreadCallsOnly_spreadOverStreams_sameAnswers() throws IOException {
    if (!InductorKernels.runHere()) {
      return;
    }
    Random rnd = new Random(11);
    oneThreadCallsSpread("tiny-gpt", () -> {
      long[] tokens = new long[64];
      for (int j = 0; j < tokens.length; j++) {
        tokens[j] = rnd.nextInt(256);
      }
      return Map.of("tokens", HostTensor.ofLongs("tokens", new long[] {1, 64}, tokens));
    });
    oneThreadCallsSpread("digits-cnn", () -> {
      float[] pixels = new float[64];
      for (int j = 0; j < pixels.length; j++) {
        pixels[j] = rnd.nextInt(17);
      }
      return Map.of("x", HostTensor.ofFloats("x", new long[] {1, 1, 8, 8}, pixels));
    });
  }

  private static void oneThreadCallsSpread(String model,
      java.util.function.Supplier<Map<String, HostTensor>> input) {
    try (LocalInferenceService s = Runtimes.create(new RuntimeSettings("cpu", "offset",
        List.of(new RuntimeSettings.ModelSpec(model, "1", null, null,
            ModelLoader.Kernels.INDUCTOR)), 256, 4, 64, Long.MAX_VALUE, 1_000))) {
      s.executor().inlineBelow(0); // every request through a stream, none on this thread
      long baseline = s.executor().backend().bytesInUse();
      List<Map<String, HostTensor>> inputs = new ArrayList<>();
      List<float[]> alone = new ArrayList<>();
      for (int i = 0; i < 48; i++) {
        var in = input.get();
        inputs.add(in);
        alone.add(s.infer(model, null, in).block().get(0).floats());
      }
      assertEquals(0, s.executor().maxKernelsInFlight(1), model + ": one at a time, stream 0");
      List<List<HostTensor>> together = Flux.range(0, inputs.size())
          .flatMapSequential(i -> s.infer(model, null, inputs.get(i)), 8)
          .collectList().block(Duration.ofSeconds(60));
      for (int i = 0; i < inputs.size(); i++) {
        assertEquals(0.0, HostTensor.relativeError(together.get(i).get(0).floats(),
            alone.get(i)), model + ": request " + i);
      }
      int others = kernelsOnStreamsPastZero(s);
      assertTrue(others > 0, model + ": one-thread compiled calls never used a second stream");
      awaitInUse(s, baseline);
    }
  }

  @Test
  void concurrentRequests_eachGetsItsOwnAnswer() throws IOException {
    try (LocalInferenceService s = service("digits-mlp", null)) {
      long baseline = s.executor().backend().bytesInUse();
      Map<String, long[]> shape = Map.of("x", new long[] {1, 64});
      assertTrue(s.executable(s.find("digits-mlp", null), shape).steps().size() <= WINDOW,
          "digits-mlp must fit the window for this test to cover the whole-request path");
      Random rnd = new Random(7);
      List<Map<String, HostTensor>> inputs = new ArrayList<>();
      List<float[]> alone = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        float[] v = new float[64];
        for (int j = 0; j < v.length; j++) {
          v[j] = rnd.nextInt(17);
        }
        var in = Map.of("x", HostTensor.ofFloats("x", new long[] {1, 64}, v));
        inputs.add(in);
        alone.add(s.infer("digits-mlp", null, in).block().get(0).floats());
      }
      List<List<HostTensor>> together = Flux.range(0, inputs.size())
          .flatMapSequential(i -> s.infer("digits-mlp", null, inputs.get(i)), 16)
          .collectList().block(Duration.ofSeconds(30));
      for (int i = 0; i < inputs.size(); i++) {
        assertEquals(0.0, HostTensor.relativeError(together.get(i).get(0).floats(),
            alone.get(i)), "request " + i);
      }
      awaitInUse(s, baseline);
    }
  }

  @Test
  void cancelledWhileRunning_freesAllItsMemoryWhenTheTaskEnds() throws IOException {
    try (LocalInferenceService s = service("digits-cnn", null)) {
      long baseline = s.executor().backend().bytesInUse();
      // thousands of images: long enough that the cancel arrives while the task runs
      var big = Map.of("x", HostTensor.ofFloats("x", new long[] {8192, 1, 8, 8},
          new float[8192 * 64]));
      StepVerifier.create(s.infer("digits-cnn", null, big))
          .thenAwait(Duration.ofMillis(30))
          .thenCancel()
          .verify(Duration.ofSeconds(30));
      awaitInUse(s, baseline);
      Samples.Sample cnn = sample("digits-cnn");
      StepVerifier.create(s.infer("digits-cnn", null, cnn.inputs()))
          .assertNext(out -> assertTrue(HostTensor.relativeError(out.get(0).floats(),
              cnn.outputs().get("logits").floats()) <= 1e-4))
          .verifyComplete();
    }
  }

  /** The kernels ever in flight at once on streams 1 to 3, summed: 0 if only stream 0 ran. */
  private static int kernelsOnStreamsPastZero(LocalInferenceService s) {
    int others = 0;
    for (int i = 1; i < 4; i++) {
      others += s.executor().maxKernelsInFlight(i);
    }
    return others;
  }
}
