package io.planline.exec;

import io.planline.backend.HostTensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.exec.Samples;
import io.planline.model.ModelLoader;
import io.planline.plan.PlannerRegistry;
import io.planline.testing.Digits;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The built-in models, end to end on the CPU backend, on both of their programs (the Java
 * kernels, and Inductor's compiled C++ kernels where this machine runs them): PyTorch's sample
 * output under every planner, held-out accuracy of the digits models, and memory back at its
 * baseline after each request.
 */
final class BuiltInModelsTest {

  private static final Map<String, LocalInferenceService> BY_PLANNER = new java.util.HashMap<>();
  private static final Map<String, LocalInferenceService> INDUCTOR = new java.util.HashMap<>();

  @BeforeAll
  static void load() {
    for (String planner : PlannerRegistry.builtIn().names()) {
      BY_PLANNER.put(planner, Runtimes.create(RuntimeSettings.cli(planner, ModelLoader.BUILT_IN,
          ModelLoader.Kernels.JAVA)));
      if (InductorKernels.runHere()) {
        // kernels: inductor fails instead of falling back, so a broken library fails the test
        INDUCTOR.put(planner, Runtimes.create(RuntimeSettings.cli(planner, ModelLoader.BUILT_IN,
            ModelLoader.Kernels.INDUCTOR)));
      }
    }
  }

  @AfterAll
  static void close() {
    BY_PLANNER.values().forEach(LocalInferenceService::close);
    INDUCTOR.values().forEach(LocalInferenceService::close);
  }

  static Stream<Arguments> modelsAndPlanners() {
    return ModelLoader.BUILT_IN.stream().flatMap(m -> PlannerRegistry.builtIn().names().stream()
        .flatMap(p -> Stream.of(Arguments.of(m, p, "java"), Arguments.of(m, p, "inductor"))));
  }

  static Samples.Sample sample(String model) throws IOException {
    var source = ModelLoader.builtIn(model);
    try (InputStream in = source.open("sample.json")) {
      return Samples.read(source.describe("sample.json"), in);
    }
  }

  @ParameterizedTest(name = "{0} planned by {1} on the {2} kernels")
  @MethodSource("modelsAndPlanners")
  void infer_sampleInput_matchesPyTorchUnderEveryPlanner(String model, String planner,
      String kernels) throws IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(kernels.equals("java")
        || InductorKernels.runHere(), "this machine cannot run the AVX2 library");
    LocalInferenceService service = (kernels.equals("java") ? BY_PLANNER : INDUCTOR).get(planner);
    assertEquals(kernels.equals("inductor"), service.find(model, null).nativeKernels() != null);
    long baseline = service.executor().backend().bytesInUse();
    Samples.Sample s = sample(model);
    List<HostTensor> out = service.infer(model, null, s.inputs()).block(Duration.ofMinutes(2));
    for (HostTensor t : out) {
      HostTensor want = s.outputs().get(t.name());
      assertEquals(java.util.Arrays.toString(want.shape()), java.util.Arrays.toString(t.shape()));
      double err = HostTensor.relativeError(t.floats(), want.floats());
      assertTrue(err <= 1e-4, model + "/" + planner + "/" + kernels + ": relative error " + err);
    }
    assertEquals(baseline, service.executor().backend().bytesInUse(),
        "device memory back at its baseline after the request");
  }

  @Test
  void digitsMlp_heldOutRows_reachAtLeast95Percent() throws IOException {
    assertTrue(accuracy(BY_PLANNER, "digits-mlp", new long[] {-1, 64}) >= 0.95);
  }

  @Test
  void digitsCnn_heldOutRows_reachAtLeast97Percent() throws IOException {
    assertTrue(accuracy(BY_PLANNER, "digits-cnn", new long[] {-1, 1, 8, 8}) >= 0.97);
  }

  @Test
  void digitsModels_onInductorKernels_reachTheSameAccuracy() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(InductorKernels.runHere());
    assertTrue(accuracy(INDUCTOR, "digits-mlp", new long[] {-1, 64}) >= 0.95);
    assertTrue(accuracy(INDUCTOR, "digits-cnn", new long[] {-1, 1, 8, 8}) >= 0.97);
  }

  private static double accuracy(Map<String, LocalInferenceService> services, String model,
      long[] shape) throws IOException {
    List<Digits.Row> rows = Digits.heldOut();
    assertEquals(360, rows.size());
    LocalInferenceService service = services.get("inductor-pool");
    int correct = 0;
    int batch = 40;
    for (int start = 0; start < rows.size(); start += batch) {
      List<Digits.Row> part = rows.subList(start, Math.min(rows.size(), start + batch));
      float[] px = new float[part.size() * 64];
      for (int i = 0; i < part.size(); i++) {
        System.arraycopy(part.get(i).pixels(), 0, px, i * 64, 64);
      }
      long[] dims = shape.clone();
      dims[0] = part.size();
      String input = service.find(model, null).program().inputs().get(0).name();
      var out = service.infer(model, null, Map.of(input, HostTensor.ofFloats(input, dims, px)))
          .block(Duration.ofMinutes(2)).get(0).floats();
      for (int i = 0; i < part.size(); i++) {
        int best = 0;
        for (int c = 1; c < 10; c++) {
          if (out[i * 10 + c] > out[i * 10 + best]) {
            best = c;
          }
        }
        correct += best == part.get(i).label() ? 1 : 0;
      }
    }
    double acc = (double) correct / rows.size();
    System.out.printf("%s held-out accuracy: %d/%d = %.4f%n", model, correct, rows.size(), acc);
    return acc;
  }

  @Test
  void infer_manyConcurrentRequests_allCorrectAndMemoryReturns() throws IOException {
    LocalInferenceService service = BY_PLANNER.get("greedy");
    long baseline = service.executor().backend().bytesInUse();
    Samples.Sample s = sample("tiny-gpt");
    List<reactor.core.publisher.Mono<List<HostTensor>>> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calls.add(service.infer("tiny-gpt", null, s.inputs()));
    }
    List<List<HostTensor>> results = reactor.core.publisher.Flux.merge(calls).collectList()
        .block(Duration.ofMinutes(2));
    assertEquals(8, results.size());
    HostTensor want = s.outputs().get("logits");
    for (List<HostTensor> r : results) {
      assertTrue(HostTensor.relativeError(r.get(0).floats(), want.floats()) <= 1e-4);
    }
    assertEquals(baseline, service.executor().backend().bytesInUse());
  }

}
