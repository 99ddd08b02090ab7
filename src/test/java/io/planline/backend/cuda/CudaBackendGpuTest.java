package io.planline.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.BackendException;
import io.planline.backend.HostTensor;
import io.planline.exec.LocalInferenceService;
import io.planline.model.ModelLoader;
import io.planline.plan.PlannerRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA backend on a real GPU (tag {@code gpu}: skipped by default, run by tools/gpu/run.sh):
 * every kernel case against the CPU library, every built-in model under every planner against
 * its PyTorch sample, concurrent requests on several streams, and the failure paths.
 */
@Tag("gpu")
final class CudaBackendGpuTest {

  private static CudaBackend gpu;

  @BeforeAll
  static void open() {
    gpu = CudaBackend.open(1);
  }

  @AfterAll
  static void close() {
    gpu.close();
  }

  static Stream<KernelCases.Case> cases() {
    return KernelCases.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void kernel_freshRandomInputs_matchesTheCpuLibrary(KernelCases.Case c) {
    KernelCheck.Result r = KernelCheck.run(gpu, c, System.nanoTime());
    assertTrue(r.passed(), r.label() + ": error " + r.error() + " > " + r.tolerance() + " "
        + r.detail());
  }

  static Stream<String> planners() {
    return PlannerRegistry.builtIn().names().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("planners")
  void models_underEveryPlanner_matchPyTorchAndReturnTheirMemory(String planner) {
    try (CudaBackend b = CudaBackend.open(2);
        LocalInferenceService s = ModelRuns.service(b, planner, ModelLoader.BUILT_IN, 2)) {
      for (String model : ModelLoader.BUILT_IN) {
        long base = b.bytesInUse();
        double err = ModelRuns.sampleError(s, model);
        assertTrue(err <= 1e-4, model + " under " + planner + ": relative error " + err);
        assertEquals(base, b.bytesInUse(), "memory back at its baseline");
      }
    }
  }

  @Test
  void concurrentRequests_onSeveralStreams_allMatch() {
    try (CudaBackend b = CudaBackend.open(4);
        LocalInferenceService s = ModelRuns.service(b, "greedy", List.of("tiny-gpt"), 4)) {
      var sample = ModelRuns.sample("tiny-gpt");
      List<reactor.core.publisher.Mono<List<HostTensor>>> calls = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        calls.add(s.infer("tiny-gpt", null, sample.inputs()));
      }
      var results = reactor.core.publisher.Flux.merge(calls).collectList()
          .block(Duration.ofMinutes(2));
      assertEquals(16, results.size());
      for (var r : results) {
        assertTrue(HostTensor.relativeError(r.get(0).floats(),
            sample.outputs().get("logits").floats()) <= 1e-4);
      }
      assertEquals(0, b.bytesInUse());
    }
  }

  @Test
  void refusedLaunch_failsThatWorkOnly_deviceStaysUsable() {
    CudaException e = assertThrows(CudaException.class, () -> gpu.submit(0,
        () -> gpu.kernelsForTests().launch(CudaStream.current(), "pl_map", 1, 1, 1, 4096,
            new byte[480])).block(Duration.ofSeconds(30)));
    assertTrue(e.getMessage().contains("cuLaunchKernel(pl_map)"), e.getMessage());
    assertTrue(KernelCheck.run(gpu, KernelCases.all().get(0), 3).passed());
  }

  @Test
  void impossibleAllocation_isOutOfMemory_deviceStaysUsable() {
    long before = gpu.bytesInUse();
    BackendException e = assertThrows(BackendException.class, () -> gpu.allocate(1L << 50));
    assertTrue(e.getMessage().contains("out of memory"), e.getMessage());
    assertEquals(before, gpu.bytesInUse());
    assertTrue(KernelCheck.run(gpu, KernelCases.all().get(0), 4).passed());
  }

  @Test
  void lentDownloads_largeOnesStayPinnedUntilReleased_smallOnesAreCopies() {
    int floats = (int) (io.planline.backend.HostLeases.WORTH_LENDING / 4) + 5;
    float[] values = new float[floats];
    for (int i = 0; i < floats; i++) {
      values[i] = i * 0.5f;
    }
    HostTensor in = HostTensor.ofFloats("x", new long[] {floats}, values);
    io.planline.backend.DeviceBuffer b = gpu.allocate(floats * 4L);
    gpu.lendResults(true);
    try {
      gpu.call(0, () -> {
        gpu.upload(b, in.data());
        return 0;
      }).block(Duration.ofSeconds(30));
      io.planline.backend.DeviceTensor whole = gpu.view(b, 0, io.planline.ir.DType.FLOAT32,
          new long[] {floats}, new long[] {1});
      io.planline.backend.DeviceTensor small = gpu.view(b, 0, io.planline.ir.DType.FLOAT32,
          new long[] {16}, new long[] {1});
      HostTensor big = gpu.call(0, () -> gpu.download(whole, "y")).block(Duration.ofSeconds(30));
      HostTensor little = gpu.call(0, () -> gpu.download(small, "z"))
          .block(Duration.ofSeconds(30));
      assertTrue(io.planline.backend.HostLeases.isLent(big));
      assertTrue(!io.planline.backend.HostLeases.isLent(little));
      assertTrue(gpu.lentBytes() >= floats * 4L, "lent " + gpu.lentBytes());
      assertTrue(java.util.Arrays.equals(values, big.floats()));
      assertEquals(7.5f, little.floats()[15]);
      big.release();
      little.release();
      assertEquals(0, gpu.lentBytes());
    } finally {
      gpu.lendResults(false);
      gpu.free(b);
    }
  }
}
