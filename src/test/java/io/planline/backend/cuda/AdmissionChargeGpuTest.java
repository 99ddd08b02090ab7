package io.planline.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.HostTensor;
import io.planline.exec.LocalInferenceService;
import io.planline.model.ModelLoader;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 11, item 4a, on the GPU: one request's device memory high-water mark (the backend's
 * allocator count, weights excluded) never exceeds what admission charged it, under every
 * planner and model, at a large batch where reuse plans used to run far over their plans.
 */
@Tag("gpu")
final class AdmissionChargeGpuTest {

  static Stream<Arguments> cases() {
    return Stream.of("greedy", "greedy-peak", "offset", "inductor-pool", "noop")
        .flatMap(p -> ModelLoader.BUILT_IN.stream().map(m -> Arguments.of(p, m)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void infer_largeBatch_peakWithinCharge(String planner, String model) {
    int batch = model.equals("tiny-gpt") ? 32 : 1024;
    try (CudaBackend gpu = CudaBackend.open(1);
        LocalInferenceService s = ModelRuns.service(gpu, planner, List.of(model), 1)) {
      Map<String, HostTensor> in = ModelRuns.input(model, batch, 5);
      long inputBytes = in.values().stream().mapToLong(t -> t.data().remaining()).sum();
      long charged = s.executable(s.find(model, null), Map.of(ModelRuns.inputName(model),
          ModelRuns.shape(model, batch))).chargedBytes(inputBytes);
      long before = gpu.peakBytes();
      ModelRuns.infer(s, model, in);
      long peak = gpu.peakBytes();
      System.out.printf(Locale.ROOT, "charge %-13s %-10s batch %4d: peak %d, charged %d (x%.3f)"
          + "%n", planner, model, batch, peak, charged, (double) peak / charged);
      assertEquals(0, before, "no request memory before the request");
      assertTrue(peak <= charged, planner + " " + model + ": peak " + peak + " > charged "
          + charged);
      assertEquals(0, gpu.bytesInUse(), "memory back at its baseline");
    }
  }
}
