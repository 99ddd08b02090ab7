package io.planline.exec;

import static io.planline.exec.RequestExecutorTest.awaitInUse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.HostTensor;
import io.planline.model.Model;
import io.planline.model.ModelLoader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * A request of compiled kernels on the CPU that runs alone runs as parts along its batch
 * ({@link SplitRule}, {@link SplitRuns}): the same answer as whole within float rounding (one
 * thread may sum in another order than two), on two streams, its memory all given back.
 */
final class SplitRunsTest {

  /** Splits any measured program of two rows or more in two, as on two cores. */
  private static final SplitRule ALWAYS = new SplitRule(2, 2, 1);

  private static LocalInferenceService service(String model, ModelLoader.Kernels kernels) {
    return service(model, kernels, RuntimeObserver.NONE);
  }

  private static LocalInferenceService service(String model, ModelLoader.Kernels kernels,
      RuntimeObserver observer) {
    return Runtimes.create(new RuntimeSettings("cpu", "offset", List.of(
        new RuntimeSettings.ModelSpec(model, "1", null, null, kernels)), 64, 4, 64,
        Long.MAX_VALUE, 1_000), observer);
  }

  /** Counts executions and reports of requests executing (two per request: start, end). */
  private static final class Counts implements RuntimeObserver {
    final AtomicLong executions = new AtomicLong();
    final AtomicLong reports = new AtomicLong();
    final AtomicLong inFlight = new AtomicLong();

    @Override
    public void programExecuted(String model, String version) {
      executions.incrementAndGet();
    }

    @Override
    public void requestsInFlight(String model, long count) {
      inFlight.set(count);
      reports.incrementAndGet();
    }
  }

  private static Map<String, HostTensor> images(int rows, long seed) {
    Random rnd = new Random(seed);
    float[] pixels = new float[rows * 64];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = rnd.nextInt(17);
    }
    return Map.of("x", HostTensor.ofFloats("x", new long[] {rows, 1, 8, 8}, pixels));
  }

  private static Map<String, HostTensor> tokens(int rows, long seed) {
    Random rnd = new Random(seed);
    long[] t = new long[rows * 64];
    for (int i = 0; i < t.length; i++) {
      t[i] = rnd.nextInt(256);
    }
    return Map.of("tokens", HostTensor.ofLongs("tokens", new long[] {rows, 64}, t));
  }

  @Test
  void digitsCnn_alone_runsAsTwoParts_sameAnswer() {
    splitsAlike("digits-cnn", images(64, 1), 2);
  }

  /** Five rows: parts of three and two, each planned for its own shape. */
  @Test
  void tinyGpt_unevenRows_runsAsTwoParts_sameAnswer() {
    splitsAlike("tiny-gpt", tokens(5, 2), 3);
  }

  private static void splitsAlike(String model, Map<String, HostTensor> in, int shapes) {
    if (!InductorKernels.runHere()) {
      return;
    }
    Counts counts = new Counts();
    try (LocalInferenceService s = service(model, ModelLoader.Kernels.INDUCTOR, counts)) {
      s.executor().inlineBelow(0); // every part on a stream of its own
      long baseline = s.executor().backend().bytesInUse();
      Model m = s.find(model, null);
      s.splitRule(SplitRule.OFF);
      float[] whole = warm(s, model, in);
      s.splitRule(ALWAYS);
      // measured now, so this one would split, but its parts' programs are not planned: it runs
      // whole while they are
      float[] second = s.infer(model, null, in).block().get(0).floats();
      assertEquals(0.0, HostTensor.relativeError(second, whole));
      awaitShapes(s, m, shapes);
      assertEquals(0, s.executor().maxKernelsInFlight(1), "nothing split yet, stream 0 only");
      // a part takes the first stream that runs nothing: the second part goes to stream 1 only
      // while the first still runs on stream 0, which a caller descheduled for a part's length
      // (0.1-0.2 ms for digits-cnn's) misses; at least three requests, until one used both
      int split = 0;
      while (split < 3 || (s.executor().maxKernelsInFlight(1) == 0 && split < 50)) {
        float[] parts = s.infer(model, null, in).block().get(0).floats();
        double err = HostTensor.relativeError(parts, whole);
        assertTrue(err < 1e-5, model + ": split answer off by " + err);
        split++;
      }
      assertTrue(s.executor().maxKernelsInFlight(1) > 0, "the second part never ran on stream 1");
      var program = s.executable(m, Map.of(in.keySet().iterator().next(),
          in.values().iterator().next().shape()));
      assertEquals(WHOLE_RUNS + 1 + split, s.executor().measured(program).runs(),
          "each split request counts as a run of the whole program, which decides the next");
      awaitInUse(s, baseline);
      // a request's end is reported after its answer travels on: wait for the last one
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (counts.reports.get() < 2 * (WHOLE_RUNS + 1 + split)
          && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertEquals(WHOLE_RUNS + 1 + split, counts.executions.get(),
          "a split request counts as one execution");
      assertEquals(2 * (WHOLE_RUNS + 1 + split), counts.reports.get(),
          "and as one request executing, not one per part");
      assertEquals(0, counts.inFlight.get());
    }
  }

  /**
   * Where the caller runs the last part, that part takes the lead's rows from the first (here a
   * millisecond's worth, capped at a quarter of an even share: 24 and 40 rows), and the answer is
   * the whole's.
   */
  @Test
  void callersPart_takesTheLead_sameAnswer() {
    if (!InductorKernels.runHere()) {
      return;
    }
    try (LocalInferenceService s = service("digits-cnn", ModelLoader.Kernels.INDUCTOR)) {
      Model m = s.find("digits-cnn", null);
      var in = images(64, 5);
      s.splitRule(SplitRule.OFF);
      float[] whole = warm(s, "digits-cnn", in);
      s.splitRule(new SplitRule(2, 2, 1, 1_000));
      s.infer("digits-cnn", null, in).block(); // whole, while its parts' programs are planned
      awaitShapes(s, m, 3);
      var callers = s.executable(m, Map.of("x", new long[] {40, 1, 8, 8}));
      var streams = s.executable(m, Map.of("x", new long[] {24, 1, 8, 8}));
      // a request that finds the last one's admission not yet released runs whole: at least
      // three requests, until two split
      int sent = 0;
      while (sent < 3 || (s.executor().measured(callers).runs() < 2 && sent < 50)) {
        float[] parts = s.infer("digits-cnn", null, in).block().get(0).floats();
        double err = HostTensor.relativeError(parts, whole);
        assertTrue(err < 1e-5, "split answer off by " + err);
        sent++;
      }
      long split = s.executor().measured(callers).runs();
      assertTrue(split >= 2, "the caller's part of 40 rows ran " + split + " times");
      assertEquals(split, s.executor().measured(streams).runs(), "beside the other 24 rows");
    }
  }

  /** Names the threads kernels ran on. */
  private static final class KernelThreads implements RuntimeObserver {
    final Set<String> names = ConcurrentHashMap.newKeySet();

    @Override
    public void kernelRan(String kernel, long nanos) {
      names.add(Thread.currentThread().getName());
    }
  }

  /**
   * The last part runs on the thread that split the request where that thread may wait, though
   * its program runs longer than the inline limit; the first part on a stream. An event loop and
   * a non-blocking thread keep the limit: both parts there go to streams.
   */
  @Test
  void lastPart_runsOnACallerThatMayWait_whateverItsLength() throws InterruptedException {
    if (!InductorKernels.runHere()) {
      return;
    }
    KernelThreads threads = new KernelThreads();
    try (LocalInferenceService s = service("digits-cnn", ModelLoader.Kernels.INDUCTOR, threads)) {
      s.executor().inlineBelow(1); // no program runs in 1 µs: nothing whole runs inline
      Model m = s.find("digits-cnn", null);
      var in = images(64, 5);
      s.splitRule(SplitRule.OFF);
      warm(s, "digits-cnn", in);
      s.splitRule(ALWAYS);
      s.infer("digits-cnn", null, in).block(); // whole while its parts are planned
      awaitShapes(s, m, 2);
      // a request that finds the last one not yet counted out runs whole, on one stream thread:
      // the first request whose kernels ran on two threads split
      String caller = Thread.currentThread().getName();
      boolean split = false;
      for (int i = 0; i < 20 && !split; i++) {
        threads.names.clear();
        s.infer("digits-cnn", null, in).block();
        split = threads.names.size() == 2;
      }
      assertTrue(split, "no request split");
      assertTrue(threads.names.contains(caller), "the last part ran on " + threads.names);

      threads.names.clear();
      Thread loop = new io.netty.util.concurrent.FastThreadLocalThread(
          () -> s.infer("digits-cnn", null, in).block(Duration.ofSeconds(30)), "test-loop");
      loop.start();
      loop.join(30_000);
      assertTrue(threads.names.stream().allMatch(t -> t.startsWith("planline-cpu-stream-")),
          "a part ran on the event loop: " + threads.names);
      threads.names.clear();
      Mono.defer(() -> s.infer("digits-cnn", null, in)).subscribeOn(Schedulers.single())
          .block(Duration.ofSeconds(30));
      assertTrue(threads.names.stream().allMatch(t -> t.startsWith("planline-cpu-stream-")),
          "a part ran off the streams: " + threads.names);
    }
  }

  /** Programs of Java kernels run whole: their kernels split over the cores in Java. */
  @Test
  void javaKernels_neverSplit() {
    try (LocalInferenceService s = service("digits-cnn", ModelLoader.Kernels.JAVA)) {
      s.splitRule(ALWAYS);
      Model m = s.find("digits-cnn", null);
      for (int i = 0; i < 4; i++) {
        s.infer("digits-cnn", null, images(64, i)).block();
      }
      assertEquals(1, s.cachedShapes(m), "a part's program was planned");
    }
  }

  /** A split request cancelled while its parts run frees everything; the next one answers. */
  @Test
  void cancelledWhileItsPartsRun_freesAllItsMemory() {
    if (!InductorKernels.runHere()) {
      return;
    }
    try (LocalInferenceService s = service("digits-cnn", ModelLoader.Kernels.INDUCTOR)) {
      long baseline = s.executor().backend().bytesInUse();
      s.splitRule(ALWAYS);
      Model m = s.find("digits-cnn", null);
      var big = images(8192, 3);
      warm(s, "digits-cnn", big);
      s.infer("digits-cnn", null, big).block(); // whole, its parts' program planned meanwhile
      awaitShapes(s, m, 2);
      StepVerifier.create(s.infer("digits-cnn", null, big))
          .thenAwait(Duration.ofMillis(5))
          .thenCancel()
          .verify(Duration.ofSeconds(30));
      awaitInUse(s, baseline);
      var small = images(64, 4);
      s.splitRule(SplitRule.OFF);
      float[] whole = s.infer("digits-cnn", null, small).block().get(0).floats();
      s.splitRule(ALWAYS);
      StepVerifier.create(s.infer("digits-cnn", null, small))
          .assertNext(out -> assertTrue(
              HostTensor.relativeError(out.get(0).floats(), whole) < 1e-5))
          .verifyComplete();
      awaitInUse(s, baseline);
    }
  }

  /** Runs enough whole requests that the program may split (ProgramRuns.WARM_RUNS). */
  private static final int WHOLE_RUNS = ProgramRuns.WARM_RUNS;

  /** The answer of {@code in}, after {@link #WHOLE_RUNS} whole runs. */
  private static float[] warm(LocalInferenceService s, String model,
      Map<String, HostTensor> in) {
    float[] answer = null;
    for (int i = 0; i < WHOLE_RUNS; i++) {
      answer = s.infer(model, null, in).block().get(0).floats();
    }
    return answer;
  }

  private static void awaitShapes(LocalInferenceService s, Model m, int shapes) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (s.cachedShapes(m) < shapes && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(shapes, s.cachedShapes(m), "the parts' programs were not planned");
  }
}
