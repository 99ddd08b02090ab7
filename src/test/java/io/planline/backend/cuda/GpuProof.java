package io.planline.backend.cuda;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.planline.backend.BackendException;
import io.planline.backend.HostTensor;
import io.planline.exec.ExecutableProgram;
import io.planline.exec.LocalInferenceService;
import io.planline.model.Model;
import io.planline.model.ModelLoader;
import io.planline.plan.PlannerRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The GPU proof that {@code tools/gpu/run.sh} runs on the lent machine: (1) every kernel case
 * against the CPU library on fresh random inputs, (2) every built-in model under every planner
 * against its PyTorch sample, plus the failure paths, (3) memory in use against plan + weights
 * and latency / throughput at batch 1 and a large batch. Writes {@code planline.json} into the
 * folder given as the first argument and prints a table; exits 1 when a check fails.
 */
public final class GpuProof {

  /** The large batch per model: enough rows to fill the GPU's multiprocessors. */
  static final Map<String, Integer> LARGE = Map.of("digits-mlp", 16384, "digits-cnn", 8192,
      "tiny-gpt", 256);

  private GpuProof() {}

  /** Runs the proof: {@code GpuProof OUT_DIR [SECONDS_PER_MEASUREMENT]}. */
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : ".");
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2.0;
    Files.createDirectories(out);
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("date", Instant.now().toString());
    report.put("java", System.getProperty("java.version"));
    boolean ok = true;
    try (CudaBackend gpu = CudaBackend.open(1)) {
      report.put("device", gpu.deviceName());
      report.put("operators", gpu.operators().size());
      ok &= kernels(gpu, report);
      ok &= failures(gpu, report);
      report.put("diagnostics", Diagnostics.run(gpu));
    }
    ok &= models(report);
    ok &= bench(report, seconds);
    report.put("passed", ok);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    json.writeValue(out.resolve("planline.json").toFile(), report);
    System.out.println("planline GPU proof: " + (ok ? "ALL CHECKS PASSED" : "SOME CHECKS FAILED"));
    System.exit(ok ? 0 : 1);
  }

  private static boolean kernels(CudaBackend gpu, Map<String, Object> report) {
    long seed = System.nanoTime();
    List<Map<String, Object>> rows = new ArrayList<>();
    int failed = 0;
    for (KernelCases.Case c : KernelCases.all()) {
      KernelCheck.Result r = KernelCheck.run(gpu, c, seed++);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("case", r.label());
      row.put("error", Double.isFinite(r.error()) ? r.error() : "inf");
      row.put("tolerance", r.tolerance());
      row.put("passed", r.passed());
      if (!r.passed()) {
        row.put("detail", r.detail());
        failed++;
        System.out.printf(Locale.ROOT, "KERNEL FAIL %-70s error %s %s%n", r.label(), r.error(),
            r.detail());
      }
      rows.add(row);
    }
    report.put("kernel_cases", rows.size());
    report.put("kernel_failures", failed);
    report.put("kernels", rows);
    System.out.printf(Locale.ROOT, "kernels: %d cases against the CPU library, %d failed%n",
        rows.size(), failed);
    return failed == 0;
  }

  /** A refused launch and an impossible allocation fail alone; the device stays usable. */
  private static boolean failures(CudaBackend gpu, Map<String, Object> report) {
    Map<String, Object> f = new LinkedHashMap<>();
    boolean ok = true;
    try {
      gpu.submit(0, () -> gpu.kernelsForTests().launch(CudaStream.current(), "pl_map", 1, 1, 1,
          4096, new byte[480])).block(Duration.ofSeconds(30));
      f.put("bad_launch", "NOT REPORTED");
      ok = false;
    } catch (CudaException e) {
      f.put("bad_launch", e.getMessage());
    }
    try {
      gpu.allocate(1L << 50);
      f.put("out_of_memory", "NOT REPORTED");
      ok = false;
    } catch (BackendException e) {
      f.put("out_of_memory", e.getMessage());
    }
    KernelCheck.Result after = KernelCheck.run(gpu, KernelCases.all().get(0), 7);
    f.put("usable_after", after.passed());
    ok &= after.passed();
    report.put("failures", f);
    System.out.println("failure paths: " + f);
    return ok;
  }

  private static boolean models(Map<String, Object> report) {
    List<Map<String, Object>> rows = new ArrayList<>();
    boolean ok = true;
    for (String planner : PlannerRegistry.builtIn().names()) {
      try (CudaBackend gpu = CudaBackend.open(2);
          LocalInferenceService s = ModelRuns.service(gpu, planner, ModelLoader.BUILT_IN, 2)) {
        for (String model : ModelLoader.BUILT_IN) {
          long base = gpu.bytesInUse();
          double err = ModelRuns.sampleError(s, model);
          boolean back = gpu.bytesInUse() == base;
          boolean pass = err <= 1e-4 && back;
          ok &= pass;
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("model", model);
          row.put("planner", planner);
          row.put("error", err);
          row.put("memory_back_to_baseline", back);
          row.put("passed", pass);
          rows.add(row);
          System.out.printf(Locale.ROOT, "model %-11s planner %-14s error %.2e %s%n", model,
              planner, err, pass ? "ok" : "FAIL");
        }
      }
    }
    report.put("models", rows);
    return ok;
  }

  /** An offset planner (one arena per pool per request): offset where this build has it. */
  static String arenaPlanner() {
    List<String> names = PlannerRegistry.builtIn().names();
    return names.contains("offset") ? "offset" : "inductor-pool";
  }

  private static boolean bench(Map<String, Object> report, double seconds) {
    report.put("bench_planner", arenaPlanner());
    List<Map<String, Object>> rows = new ArrayList<>();
    List<Map<String, Object>> memory = new ArrayList<>();
    boolean ok = true;
    for (String model : ModelLoader.BUILT_IN) {
      try (CudaBackend gpu = CudaBackend.open(4)) {
        long free0 = gpu.memoryInfo()[0];
        LocalInferenceService s = ModelRuns.service(gpu, arenaPlanner(), List.of(model), 4);
        long free1 = gpu.memoryInfo()[0];
        Model m = s.find(model, null);
        // every kernel runs once (module code, local memory), then measure from an empty cache
        ModelRuns.infer(s, model, ModelRuns.input(model, 2, 1));
        gpu.emptyCache();
        int large = LARGE.get(model);
        Map<String, HostTensor> big = ModelRuns.input(model, large, 2);
        long free2 = gpu.memoryInfo()[0];
        long reserved2 = gpu.reservedBytes();
        ModelRuns.infer(s, model, big);
        long free3 = gpu.memoryInfo()[0];
        ExecutableProgram p = s.executable(m, Map.of(ModelRuns.inputName(model),
            ModelRuns.shape(model, large)));
        long inputBytes = big.values().stream().mapToLong(t -> t.data().remaining()).sum();
        long expected = DeviceMemory.sizeClass(inputBytes);
        for (long a : p.arenas()) {
          expected += DeviceMemory.sizeClass(a);
        }
        long own = 0;
        for (var step : p.steps()) {
          if (step instanceof io.planline.exec.Step.Allocate a
              && a.arenaOffset() == io.planline.exec.Step.Allocate.OWN_BUFFER) {
            own += a.bytes();
            expected += DeviceMemory.sizeClass(a.bytes());
          }
        }
        long reservedDelta = gpu.reservedBytes() - reserved2;
        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("model", model);
        mem.put("batch", large);
        mem.put("planned_bytes", p.plan().plannedBytes());
        mem.put("arena_bytes", p.arenaBytes());
        mem.put("own_buffer_bytes", own);
        mem.put("input_bytes", inputBytes);
        mem.put("expected_request_bytes", expected);
        mem.put("allocator_request_bytes", reservedDelta);
        mem.put("driver_request_bytes", free2 - free3);
        mem.put("weight_bytes", m.weightBytes());
        mem.put("weight_block_bytes", gpu.weightBytes());
        mem.put("driver_weight_bytes", free0 - free1);
        boolean exact = reservedDelta == expected;
        mem.put("allocator_equals_plan", exact);
        ok &= exact;
        memory.add(mem);
        System.out.printf(Locale.ROOT, "memory %-11s batch %5d: plan %d + inputs %d = %d;"
            + " allocator %d, driver %d; weights %d (driver %d)%n", model, large,
            p.arenaBytes(), inputBytes, expected, reservedDelta, free2 - free3, m.weightBytes(),
            free0 - free1);
        // the large-shape kernels (tensor cores, big tiles) against the CPU backend
        int checkBatch = model.equals("tiny-gpt") ? 64 : 4096;
        Map<String, HostTensor> probe = ModelRuns.input(model, checkBatch, 9);
        double largeErr;
        try (LocalInferenceService cpu = io.planline.exec.Runtimes.create(
            io.planline.exec.RuntimeSettings.cli("greedy", List.of(model)))) {
          float[] want = ModelRuns.infer(cpu, model, probe).get(0).floats();
          float[] got = ModelRuns.infer(s, model, probe).get(0).floats();
          largeErr = HostTensor.relativeError(got, want);
        }
        mem.put("large_batch_vs_cpu_batch", checkBatch);
        mem.put("large_batch_vs_cpu_error", largeErr);
        ok &= largeErr <= 1e-4;
        System.out.printf(Locale.ROOT, "check %-11s batch %5d against the CPU backend: error"
            + " %.2e %s%n", model, checkBatch, largeErr, largeErr <= 1e-4 ? "ok" : "FAIL");
        for (int batch : new int[] {1, large}) {
          Map<String, HostTensor> in = ModelRuns.input(model, batch, 3);
          double[] lat = ModelRuns.latency(s, model, in, seconds);
          double c1 = ModelRuns.throughput(s, model, in, 1, seconds);
          double c4 = ModelRuns.throughput(s, model, in, 4, seconds);
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("model", model);
          row.put("batch", batch);
          row.put("p50_ms", lat[0]);
          row.put("p99_ms", lat[1]);
          row.put("samples_per_s_c1", c1 * batch);
          row.put("samples_per_s_c4", c4 * batch);
          rows.add(row);
          System.out.printf(Locale.ROOT, "bench %-11s batch %5d: p50 %.3f ms p99 %.3f ms,"
              + " %.0f samples/s (1 in flight), %.0f (4 in flight)%n", model, batch, lat[0],
              lat[1], c1 * batch, c4 * batch);
        }
        s.close();
      }
    }
    report.put("memory", memory);
    report.put("bench", rows);
    return ok;
  }
}
