package io.planline.backend.cuda;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.planline.backend.HostTensor;
import io.planline.exec.ExecutableProgram;
import io.planline.exec.KernelProfile;
import io.planline.exec.LocalInferenceService;
import io.planline.exec.ReplaySettings;
import io.planline.exec.Samples;
import io.planline.model.Model;
import io.planline.model.ModelLoader;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlannerRegistry;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The GPU proof of models exported with Inductor's Triton kernels ({@code tools/gpu/
 * export_inductor.sh}): for each model folder, its output on the exported sample against
 * {@code torch.compile}'s, device memory during a request against the plan, and latency and
 * throughput with one and four requests in flight (host tensors in and out).
 *
 * <p>{@code java ... InductorGpuProof OUT SECONDS FOLDER...}; writes OUT/inductor.json; exit
 * status 1 when a model fails to load or run or misses the error bound.
 */
public final class InductorGpuProof {

  /** The bound on the relative error against torch.compile (TF32 off). */
  static final double MAX_ERROR = 1e-4;

  private InductorGpuProof() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    double seconds = Double.parseDouble(args[1]);
    // rows of earlier runs stay: the proof script runs one process per model, so that one
    // model that hangs or crashes the process does not hide the others' results
    Path json = out.resolve("inductor.json");
    List<Map<String, Object>> rows = new ArrayList<>();
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    if (Files.exists(json)) {
      rows.addAll(mapper.readValue(json.toFile(), Rows.class).rows());
    }
    boolean ok = true;
    for (int i = 2; i < args.length; i++) {
      Path folder = Path.of(args[i]);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("model", folder.getFileName().toString());
      try {
        ok &= prove(folder, seconds, row);
      } catch (RuntimeException | Error e) {
        row.put("error", e.toString());
        e.printStackTrace();
        ok = false;
      }
      rows.add(row);
      System.out.println("inductor " + row);
      Files.createDirectories(out);
      mapper.writeValue(json.toFile(), new Rows(rows));
    }
    System.exit(ok ? 0 : 1);
  }

  /** The file's shape: {@code {"rows": [...]}}. */
  record Rows(List<Map<String, Object>> rows) {}

  private static void step(String model, String what, long since) {
    System.out.printf(Locale.ROOT, "%s: %s (%.0f ms)%n", model, what,
        (System.nanoTime() - since) / 1e6);
  }

  private static boolean prove(Path folder, double seconds, Map<String, Object> row)
      throws Exception {
    String name = folder.getFileName().toString();
    Samples.Sample sample = Samples.of(ModelLoader.folder(folder));
    try (CudaBackend gpu = CudaBackend.open(4)) {
      gpu.lendResults(true); // as the server runs it; ModelRuns releases every answer
      long t0 = System.nanoTime();
      Model m = ModelLoader.load(ModelLoader.folder(folder), name, "1",
          PlannerRegistry.builtIn().get("offset"), PlanOptions.DEFAULT.withBudgetMillis(2_000),
          gpu);
      row.put("load_ms", (System.nanoTime() - t0) / 1e6);
      step(name, "loaded", t0);
      row.put("kernels", m.nativeKernels() == null ? "own" : m.nativeKernels().describe());
      KernelProfile profile = new KernelProfile();
      try (LocalInferenceService s = ModelRuns.service(gpu, List.of(m), 4, profile)) {
        List<HostTensor> first = ModelRuns.infer(s, name, sample.inputs());
        step(name, "first request answered", t0);
        double err = 0;
        for (HostTensor t : first) {
          err = Math.max(err, HostTensor.relativeError(t.floats(),
              sample.outputs().get(t.name()).floats()));
        }
        row.put("relative_error_vs_torch_compile", err);
        ExecutableProgram p = s.executable(m, shapes(sample.inputs()));
        row.put("planned_bytes", p.plan().plannedBytes());
        row.put("lower_bound_bytes", p.plan().lowerBoundBytes());
        row.put("weight_bytes", m.weightBytes());
        gpu.emptyCache();
        long reserved = gpu.reservedBytes();
        HostTensor.releaseAll(ModelRuns.infer(s, name, sample.inputs()));
        row.put("request_device_bytes", gpu.reservedBytes() - reserved);
        row.put("cublas_workspace_bytes", gpu.cublasWorkspaceBytes());
        row.put("cudnn_workspace_bytes", gpu.cudnnWorkspaceBytes());
        step(name, "memory measured", t0);
        double[] lat = ModelRuns.latency(s, name, sample.inputs(), seconds);
        row.put("p50_ms", lat[0]);
        row.put("p99_ms", lat[1]);
        row.put("throughput_1", 1000 / lat[0]);
        row.put("throughput_4", ModelRuns.throughput(s, name, sample.inputs(), 4, seconds));
        diagnose(gpu, s, name, sample, first, profile, row);
        HostTensor.releaseAll(first);
        row.put("lent_bytes_after", gpu.lentBytes());
        System.out.printf(Locale.ROOT, "%-14s error %.2e  p50 %.3f ms  p99 %.3f ms  4 in flight"
            + " %.1f/s  plan %d (lower bound %d)%n", name, err, lat[0], lat[1],
            row.get("throughput_4"), p.plan().plannedBytes(), p.plan().lowerBoundBytes());
        if (err > MAX_ERROR) {
          return false;
        }
      }
    }
    return graphs(folder, sample, seconds, row);
  }

  /**
   * The same model with CUDA graphs on (a fresh backend: a service closes its own): the first
   * request runs launch by launch and captures, later ones replay; each checked against
   * torch.compile, then timed as above.
   */
  private static boolean graphs(Path folder, Samples.Sample sample, double seconds,
      Map<String, Object> row) {
    String name = folder.getFileName().toString();
    try (CudaBackend gpu = CudaBackend.open(4)) {
      gpu.lendResults(true);
      Model m = ModelLoader.load(ModelLoader.folder(folder), name, "1",
          PlannerRegistry.builtIn().get("offset"), PlanOptions.DEFAULT.withBudgetMillis(2_000),
          gpu);
      try (LocalInferenceService s = ModelRuns.service(gpu, List.of(m), 4,
          io.planline.exec.RuntimeObserver.NONE, new ReplaySettings(true, 8L << 30))) {
        double err = 0;
        for (int i = 0; i < 3; i++) { // captured, then replayed
          List<HostTensor> answer = ModelRuns.infer(s, name, sample.inputs());
          for (HostTensor t : answer) {
            err = Math.max(err, HostTensor.relativeError(t.floats(),
                sample.outputs().get(t.name()).floats()));
          }
          HostTensor.releaseAll(answer);
        }
        row.put("graphs_relative_error_vs_torch_compile", err);
        double[] lat = ModelRuns.latency(s, name, sample.inputs(), seconds);
        row.put("graphs_p50_ms", lat[0]);
        row.put("graphs_p99_ms", lat[1]);
        row.put("graphs_throughput_4", ModelRuns.throughput(s, name, sample.inputs(), 4,
            seconds));
        long[] counts = s.executor().replayCounts();
        row.put("graphs_captured", counts[0]);
        row.put("graphs_replayed", counts[1]);
        System.out.printf(Locale.ROOT, "%-14s graphs: error %.2e  p50 %.3f ms  p99 %.3f ms  4 in"
            + " flight %.1f/s  captured %d, replayed %d%n", name, err, lat[0], lat[1],
            row.get("graphs_throughput_4"), counts[0], counts[1]);
        return err <= MAX_ERROR && counts[1] > 0;
      }
    }
  }

  /**
   * Where a request's time goes on the host: enqueue time per operator over 20 requests (the
   * device runs them later), and the outputs' trip to the host by three routes.
   */
  private static void diagnose(CudaBackend gpu, LocalInferenceService s, String name,
      Samples.Sample sample, List<HostTensor> outputs, KernelProfile profile,
      Map<String, Object> row) {
    int runs = 20;
    profile.reset();
    long t0 = System.nanoTime();
    for (int i = 0; i < runs; i++) {
      HostTensor.releaseAll(ModelRuns.infer(s, name, sample.inputs()));
    }
    row.put("request_ms_profiled", (System.nanoTime() - t0) / 1e6 / runs);
    long total = 0;
    List<String> top = new ArrayList<>();
    for (KernelProfile.Row r : profile.rows()) {
      total += r.nanos();
      if (top.size() < 8) {
        top.add(String.format(Locale.ROOT, "%s x%d %.3f ms", r.kernel(), r.calls() / runs,
            r.nanos() / 1e6 / runs));
      }
    }
    row.put("enqueue_ms_per_request", total / 1e6 / runs);
    row.put("enqueue_top", top);
    long bytes = 0;
    for (HostTensor t : outputs) {
      bytes += t.data().capacity();
    }
    row.put("output_download", DownloadProbe.measure(gpu, Math.max(4, bytes & ~3L), 10));
  }

  private static Map<String, long[]> shapes(Map<String, HostTensor> inputs) {
    Map<String, long[]> out = new LinkedHashMap<>();
    inputs.forEach((k, v) -> out.put(k, v.shape()));
    return out;
  }
}
