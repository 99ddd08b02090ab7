package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.HostTensor;
import io.planline.model.Model;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.test.StepVerifier;

/**
 * Issue 11, item 4a: a request's real device memory peak (the allocator's level after every
 * allocate and free) never exceeds what admission charged it, under every planner; reuse plans
 * used to bind allocations ahead of the stream while frees waited for it.
 */
final class AdmissionChargeTest {

  @ParameterizedTest
  @CsvSource({"greedy, tiny-gpt", "greedy-peak, tiny-gpt", "offset, tiny-gpt",
      "inductor-pool, tiny-gpt", "noop, tiny-gpt", "greedy, digits-cnn", "greedy-peak, digits-cnn",
      "greedy, digits-mlp", "offset, digits-cnn"})
  void infer_oneRequest_peakWithinCharge(String planner, String model) throws Exception {
    AtomicLong peak = new AtomicLong();
    RuntimeObserver highWater = new RuntimeObserver() {
      @Override
      public void memoryInUse(long bytes) {
        peak.accumulateAndGet(bytes, Math::max);
      }
    };
    // A window of 64 kernels lets the memory stage run as far ahead as it ever would.
    var settings = new RuntimeSettings("cpu", planner,
        List.of(new RuntimeSettings.ModelSpec(model, "1", null, null)), 64, 1, 4,
        Long.MAX_VALUE, 1_000);
    try (LocalInferenceService s = Runtimes.create(settings, highWater)) {
      Model m = s.find(model, null);
      Samples.Sample sample = RequestExecutorTest.sample(model);
      Map<String, HostTensor> inputs = sample.inputs();
      Map<String, long[]> shapes = new LinkedHashMap<>();
      inputs.values().forEach(t -> shapes.put(t.name(), t.shape()));
      long inputBytes = inputs.values().stream().mapToLong(t -> t.data().remaining()).sum();
      long charged = s.executable(m, shapes).chargedBytes(inputBytes);
      StepVerifier.create(s.infer(model, null, inputs)).expectNextCount(1).expectComplete()
          .verify(Duration.ofMinutes(2));
      assertTrue(peak.get() > 0, "memory was observed");
      assertTrue(peak.get() <= charged, planner + " " + model + ": peak " + peak.get()
          + " bytes, charged " + charged + " (x" + (double) peak.get() / charged + ")");
      assertEquals(0, s.executor().backend().bytesInUse());
    }
  }
}
