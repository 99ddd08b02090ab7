package io.planline.exec;

import io.planline.backend.HostTensor;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.exec.Samples;
import io.planline.model.ModelLoader;
import io.planline.testing.ModelFolders;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The request pipeline on the real CPU backend: results, backpressure, failure and cleanup. */
final class RequestExecutorTest {

  /**
   * A service whose requests run whole: these tests are about where a whole request runs, and
   * a request split along its batch (SplitRule; SplitRunsTest) may answer on another thread.
   */
  static LocalInferenceService service(String planner, int window) {
    LocalInferenceService s = Runtimes.create(new RuntimeSettings("cpu", planner,
        List.of(new RuntimeSettings.ModelSpec("tiny-gpt", "1", null, null),
            new RuntimeSettings.ModelSpec("digits-mlp", "1", null, null)),
        window, 2, 16, Long.MAX_VALUE, 1_000));
    s.splitRule(SplitRule.OFF);
    return s;
  }

  static Samples.Sample sample(String model) throws IOException {
    var source = ModelLoader.builtIn(model);
    try (InputStream in = source.open("sample.json")) {
      return Samples.read(source.describe("sample.json"), in);
    }
  }

  static long[] tokens(int batch, int seq, long value) {
    long[] t = new long[batch * seq];
    java.util.Arrays.fill(t, value);
    return t;
  }

  @Test
  void execute_window1_neverMoreThanOneKernelInFlight() throws IOException {
    try (LocalInferenceService s = service("greedy", 1)) {
      StepVerifier.create(s.infer("tiny-gpt", null, sample("tiny-gpt").inputs()))
          .expectNextCount(1).verifyComplete();
      assertEquals(1, Math.max(s.executor().maxKernelsInFlight(0),
          s.executor().maxKernelsInFlight(1)));
    }
  }

  @Test
  void execute_window8_pipelinesLaunchesUpToTheWindow() throws IOException {
    try (LocalInferenceService s = service("greedy", 8)) {
      StepVerifier.create(s.infer("tiny-gpt", null, sample("tiny-gpt").inputs()))
          .expectNextCount(1).verifyComplete();
      int high = Math.max(s.executor().maxKernelsInFlight(0), s.executor().maxKernelsInFlight(1));
      assertTrue(high > 1 && high <= 8, "high-water mark " + high);
    }
  }


  /**
   * A short program, once measured, runs on the thread that asks for it (no hand-over to the
   * stream and back), unless that thread is a non-blocking one, which must not wait on kernels.
   */
  @Test
  void execute_shortProgram_runsOnTheCallingThreadOnceMeasured() throws IOException {
    try (LocalInferenceService s = service("greedy", 64)) {
      // a limit no run reaches on a busy test machine (the default, 200 µs, is about speed)
      s.executor().inlineBelow(10_000_000);
      var in = sample("digits-mlp").inputs();
      String first = s.infer("digits-mlp", null, in).map(r -> Thread.currentThread().getName())
          .block(Duration.ofSeconds(30));
      assertTrue(first.startsWith("planline-cpu-stream-"), first); // not measured yet
      assertEquals(Thread.currentThread().getName(), s.infer("digits-mlp", null, in)
          .map(r -> Thread.currentThread().getName()).block(Duration.ofSeconds(30)));
      String nonBlocking = Mono.defer(() -> s.infer("digits-mlp", null, in))
          .subscribeOn(Schedulers.single()).map(r -> Thread.currentThread().getName())
          .block(Duration.ofSeconds(30));
      assertTrue(nonBlocking.startsWith("planline-cpu-stream-"), nonBlocking);
      // a Netty event loop (the HTTP server's) runs it too while no native call is running
      String[] onLoop = new String[1];
      Thread loop = new io.netty.util.concurrent.FastThreadLocalThread(() -> onLoop[0] =
          s.infer("digits-mlp", null, in).map(r -> Thread.currentThread().getName())
              .block(Duration.ofSeconds(30)), "test-event-loop");
      loop.start();
      assertDoesNotThrow(() -> loop.join(30_000));
      assertEquals("test-event-loop", onLoop[0]);
      s.executor().inlineBelow(0); // off: every request goes to a stream
      for (int i = 0; i < 3; i++) {
        String off = s.infer("digits-mlp", null, in).map(r -> Thread.currentThread().getName())
            .block(Duration.ofSeconds(30));
        assertTrue(off.startsWith("planline-cpu-stream-"), off);
      }
      // and the answer is the same wherever it ran
      assertEquals(s.infer("digits-mlp", null, in).block().get(0).floats()[0],
          Mono.defer(() -> s.infer("digits-mlp", null, in)).subscribeOn(Schedulers.single())
              .block().get(0).floats()[0]);
    }
  }

  /** Window 4: the staged pipeline; 64: the whole program in one stream task (it fits). */
  @ParameterizedTest
  @ValueSource(ints = {4, 64})
  void execute_kernelFails_requestFailsMemoryFreedNextRequestWorks(int window,
      @TempDir Path tmp) throws IOException {
    Path folder = ModelFolders.write(tmp.resolve("failing"), ModelFolders.FAILING, "w",
        new long[] {4, 2}, new float[8]);
    var settings = new RuntimeSettings("cpu", "greedy", List.of(
        new RuntimeSettings.ModelSpec("failing", "1", folder.toString(), null),
        new RuntimeSettings.ModelSpec("digits-mlp", "1", null, null)), window, 1, 4,
        Long.MAX_VALUE, 1_000);
    try (LocalInferenceService s = Runtimes.create(settings)) {
      long baseline = s.executor().backend().bytesInUse();
      var idx = Map.of("idx", HostTensor.ofLongs("idx", new long[] {3}, new long[] {0, 1, 2}));
      StepVerifier.create(s.infer("failing", null, idx))
          .expectErrorSatisfies(e -> {
            assertTrue(e instanceof InferenceException.Failed, e.toString());
            assertTrue(e.getMessage().contains("aten.embedding"), e.getMessage());
          })
          .verify(Duration.ofSeconds(30));
      awaitInUse(s, baseline);
      // The device stays usable: the next request (same stream) runs and is right.
      Samples.Sample mlp = sample("digits-mlp");
      StepVerifier.create(s.infer("digits-mlp", null, mlp.inputs()))
          .assertNext(out -> assertTrue(HostTensor.relativeError(out.get(0).floats(),
              mlp.outputs().get("logits").floats()) <= 1e-4))
          .verifyComplete();
      awaitInUse(s, baseline);
    }
  }

  @Test
  void infer_tokenOutsideVocabulary_badInputBeforeRunning() {
    try (LocalInferenceService s = service("greedy", 4)) {
      var bad = Map.of("tokens", HostTensor.ofLongs("tokens", new long[] {1, 4},
          tokens(1, 4, 256)));
      StepVerifier.create(s.infer("tiny-gpt", null, bad))
          .expectErrorSatisfies(e -> {
            assertTrue(e instanceof InferenceException.BadInput, e.toString());
            assertTrue(e.getMessage().contains("value 256"), e.getMessage());
          })
          .verify(Duration.ofSeconds(30));
    }
  }

  @Test
  void execute_cancelledMidway_freesAllItsMemory() {
    try (LocalInferenceService s = service("greedy", 2)) {
      long baseline = s.executor().backend().bytesInUse();
      var big = Map.of("tokens", HostTensor.ofLongs("tokens", new long[] {64, 64},
          tokens(64, 64, 7)));
      StepVerifier.create(s.infer("tiny-gpt", null, big))
          .thenAwait(Duration.ofMillis(30))
          .thenCancel()
          .verify(Duration.ofSeconds(30));
      awaitInUse(s, baseline);
    }
  }

  @Test
  void events_oneRequest_allocationsAndFreesBalance() throws IOException {
    try (LocalInferenceService s = service("greedy", 4)) {
      List<MemoryEvent> seen = new ArrayList<>();
      var sub = s.events().flux().subscribe(e -> {
        synchronized (seen) {
          seen.add(e);
        }
      });
      s.infer("digits-mlp", null, sample("digits-mlp").inputs()).block(Duration.ofSeconds(30));
      sub.dispose();
      var program = s.executable(s.find("digits-mlp", null), Map.of("x",
          sample("digits-mlp").inputs().get("x").shape()));
      long allocs = program.steps().stream().filter(x -> x instanceof Step.Allocate).count();
      long frees = program.steps().stream().filter(x -> x instanceof Step.Free).count();
      synchronized (seen) {
        assertEquals(allocs, seen.stream().filter(e -> e.kind() == MemoryEvent.Kind.ALLOCATE)
            .count());
        assertEquals(frees, seen.stream().filter(e -> e.kind() == MemoryEvent.Kind.FREE).count());
      }
    }
  }

  @Test
  void infer_badInputs_failFastWithWhatWasExpected() {
    try (LocalInferenceService s = service("greedy", 4)) {
      StepVerifier.create(s.infer("digits-mlp", null, Map.of("y",
          HostTensor.ofFloats("y", new long[] {1, 64}, new float[64]))))
          .expectErrorSatisfies(e -> assertTrue(e.getMessage().contains("unexpected input 'y'"),
              e.getMessage()))
          .verify();
      StepVerifier.create(s.infer("digits-mlp", null, Map.of("x",
          HostTensor.ofFloats("x", new long[] {1, 63}, new float[63]))))
          .expectErrorSatisfies(e -> {
            assertTrue(e instanceof InferenceException.BadInput);
            assertTrue(e.getMessage().contains("dimension 1 must be 64"), e.getMessage());
          })
          .verify();
      StepVerifier.create(s.infer("tiny-gpt", null, Map.of("tokens",
          HostTensor.ofLongs("tokens", new long[] {1, 65}, tokens(1, 65, 1)))))
          .expectErrorSatisfies(e -> assertTrue(e.getMessage().contains("between 1 and 64"),
              e.getMessage()))
          .verify();
      StepVerifier.create(s.infer("nope", null, Map.of()))
          .expectError(InferenceException.ModelNotFound.class).verify();
    }
  }

  @Test
  void infer_queueFull_refusesWithOverloaded() throws IOException {
    var settings = new RuntimeSettings("cpu", "noop",
        List.of(new RuntimeSettings.ModelSpec("tiny-gpt", "1", null, null)), 4, 1, 1,
        Long.MAX_VALUE, 1_000);
    try (LocalInferenceService s = Runtimes.create(settings)) {
      var big = Map.of("tokens", HostTensor.ofLongs("tokens", new long[] {16, 64},
          tokens(16, 64, 3)));
      List<Throwable> errors = new ArrayList<>();
      Flux.range(0, 6).flatMap(i -> s.infer("tiny-gpt", null, big)
              .doOnError(errors::add).onErrorResume(e -> reactor.core.publisher.Mono.empty()))
          .blockLast(Duration.ofMinutes(2));
      assertTrue(errors.stream().anyMatch(e -> e instanceof InferenceException.Overloaded),
          "with 1 running and 1 queued, some of 6 simultaneous requests are refused: " + errors);
    }
  }

  static void awaitInUse(LocalInferenceService s, long baseline) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (s.executor().backend().bytesInUse() != baseline && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(baseline, s.executor().backend().bytesInUse(), "memory back at its baseline");
  }
}
