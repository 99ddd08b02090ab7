package io.planline.exec;

import static io.planline.exec.RequestExecutorTest.awaitInUse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.HostTensor;
import io.planline.testing.ModelFolders;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Recorded replays ({@code planline.graphs}) on the CPU backend, whose replay runs the recorded
 * launches again on the slot's resident memory: the same answers as without replays, one slot
 * per stream at most, failures and cancellation that leave every slot usable, memory kept only
 * while replays are on.
 */
final class ReplaysTest {

  private static LocalInferenceService service(String planner, boolean replays, String model,
      String folder) {
    return service(planner, replays, model, folder, 2);
  }

  /**
   * A runtime of {@code streams} streams (a slot replays on the stream it was recorded on) whose
   * requests run whole: a request split along its batch ({@link SplitRule}) may round its sums
   * otherwise than whole, and these tests compare answers bit for bit.
   */
  private static LocalInferenceService service(String planner, boolean replays, String model,
      String folder, int streams) {
    LocalInferenceService s = Runtimes.create(new RuntimeSettings("cpu", planner, List.of(
        new RuntimeSettings.ModelSpec(model, "1", folder, null)), 64, streams, 64, Long.MAX_VALUE,
        1_000).withReplays(new ReplaySettings(replays, ReplaySettings.OFF.maxBytes())));
    s.splitRule(SplitRule.OFF);
    return s;
  }

  private static Map<String, HostTensor> input(String model, long[] shape, long seed) {
    Random rnd = new Random(seed);
    int n = (int) HostTensor.elements(shape);
    if (model.equals("tiny-gpt")) {
      long[] t = new long[n];
      for (int i = 0; i < n; i++) {
        t[i] = rnd.nextInt(256);
      }
      return Map.of("tokens", HostTensor.ofLongs("tokens", shape, t));
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextInt(17);
    }
    return Map.of("x", HostTensor.ofFloats("x", shape, v));
  }

  @ParameterizedTest
  @CsvSource({"digits-mlp, 1;64", "digits-cnn, 2;1;8;8", "tiny-gpt, 1;16"})
  void replays_answerAsTheStepByStepRunDoes(String model, String dims) {
    long[] shape = java.util.Arrays.stream(dims.split(";")).mapToLong(Long::parseLong).toArray();
    List<Map<String, HostTensor>> inputs = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      inputs.add(input(model, shape, i));
    }
    List<float[]> expected = new ArrayList<>();
    try (LocalInferenceService plain = service("offset", false, model, null)) {
      for (var in : inputs) {
        expected.add(plain.infer(model, null, in).block().get(0).floats());
      }
    }
    try (LocalInferenceService s = service("offset", true, model, null)) {
      long baseline = s.executor().backend().bytesInUse();
      for (int i = 0; i < 8; i++) { // one at a time: the first records, the rest replay
        assertEquals(0.0, HostTensor.relativeError(
            s.infer(model, null, inputs.get(i)).block().get(0).floats(), expected.get(i)),
            "request " + i);
      }
      // many at once: at most one slot per stream, the others run step by step meanwhile
      List<List<HostTensor>> together = Flux.range(0, inputs.size())
          .flatMapSequential(i -> s.infer(model, null, inputs.get(i)), 8)
          .collectList().block(Duration.ofSeconds(60));
      for (int i = 0; i < inputs.size(); i++) {
        assertEquals(0.0, HostTensor.relativeError(together.get(i).get(0).floats(),
            expected.get(i)), "concurrent request " + i);
      }
      long[] counts = s.executor().replayCounts();
      assertTrue(counts[0] >= 1 && counts[0] <= 2, "recordings (one per stream at most): "
          + counts[0]);
      assertTrue(counts[1] >= 7, "replayed requests: " + counts[1]);
      assertTrue(s.executor().backend().bytesInUse() > baseline, "slots keep their memory");
      s.executor().close();
      awaitInUse(s, baseline);
    }
  }

  @Test
  void reusePlans_runStepByStepAndKeepNothing() {
    try (LocalInferenceService s = service("greedy", true, "digits-mlp", null)) {
      long baseline = s.executor().backend().bytesInUse();
      for (int i = 0; i < 4; i++) {
        s.infer("digits-mlp", null, input("digits-mlp", new long[] {1, 64}, i)).block();
      }
      assertEquals(0, s.executor().replayCounts()[0], "a reuse plan allocates as it runs");
      awaitInUse(s, baseline);
    }
  }

  @Test
  void failingProgram_isNotRecordedAndFreesItsMemory(@TempDir Path tmp) throws IOException {
    Path folder = ModelFolders.write(tmp.resolve("failing"), ModelFolders.FAILING, "w",
        new long[] {4, 2}, new float[8]);
    try (LocalInferenceService s = service("offset", true, "failing", folder.toString())) {
      long baseline = s.executor().backend().bytesInUse();
      var idx = Map.of("idx", HostTensor.ofLongs("idx", new long[] {3}, new long[] {0, 1, 2}));
      for (int round = 0; round < 3; round++) {
        StepVerifier.create(s.infer("failing", null, idx))
            .expectErrorSatisfies(e -> assertTrue(e.getMessage().contains("aten.embedding"),
                e.getMessage()))
            .verify(Duration.ofSeconds(30));
        awaitInUse(s, baseline);
      }
      assertEquals(0, s.executor().replayCounts()[0]);
    }
  }

  @Test
  void cancelledReplay_leavesItsSlotUsable() {
    long[] big = {8192, 1, 8, 8};
    try (LocalInferenceService s = service("offset", true, "digits-cnn", null, 1)) {
      var first = input("digits-cnn", big, 1);
      float[] expected = s.infer("digits-cnn", null, first).block().get(0).floats(); // records
      StepVerifier.create(s.infer("digits-cnn", null, input("digits-cnn", big, 2)))
          .thenAwait(Duration.ofMillis(30))
          .thenCancel()
          .verify(Duration.ofSeconds(30));
      assertEquals(0.0, HostTensor.relativeError(
          s.infer("digits-cnn", null, first).block().get(0).floats(), expected));
      assertTrue(s.executor().replayCounts()[1] >= 1, "the cancelled request was a replay");
    }
  }
}
