package io.planline.bench;

import io.planline.backend.HostTensor;
import io.planline.exec.ExecutableProgram;
import io.planline.exec.LocalInferenceService;
import io.planline.exec.ReplaySettings;
import io.planline.exec.RuntimeSettings;
import io.planline.exec.Runtimes;
import io.planline.model.Model;
import io.planline.model.ModelLoader;
import io.planline.testing.ModelFolders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fixed cost of one request: a program whose only kernel adds 1 to four floats, run through
 * the whole in-process path (input checks, shape cache, admission, memory, stream, download) on
 * the CPU backend. Issue 15 asks for under 20 µs; the kernel adds four floats, so what this
 * prints is mostly the runtime's own cost per request.
 *
 * <p>Run: {@code tools/bench-overhead.sh [--seconds S]}. Prints p50, mean and p99 in µs for
 * sequential requests, and requests per second with 1 and 4 callers.
 */
public final class RequestOverheadBench {

  /** One input, one tiny kernel, one output: the least a program can do. */
  static final String TRIVIAL = """
      {"format": "planline-program", "version": 1, "name": "trivial", "symbols": ["s0"],
       "inputs": [{"name": "x", "dtype": "float32", "shape": ["s0", 4]}],
       "outputs": [{"name": "y", "buffer": "buf0"}],
       "weights": [{"name": "w", "tensor": "w", "dtype": "float32", "shape": [1]}],
       "lines": [
        {"kind": "AllocateLine", "node": {"name": "buf0", "device": "cpu", "dtype": "float32",
         "shape": ["s0", 4], "stride": [4, 1], "storage_expr": "4*s0"}},
        {"kind": "KernelCallLine", "kernel_name": "aten.add.Scalar", "outputs": ["buf0"],
         "call_args": ["x", "1.0", "1"]}
       ]}
      """;

  private RequestOverheadBench() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length == 2 && args[0].equals("--seconds")
        ? Double.parseDouble(args[1]) : 3.0;
    Path dir = ModelFolders.write(Files.createTempDirectory("planline-trivial").resolve("m"),
        TRIVIAL, "w", new long[] {1}, new float[] {0f});
    HostTensor x = HostTensor.ofFloats("x", new long[] {1, 4}, new float[] {1, 2, 3, 4});
    System.out.printf(Locale.ROOT, "# java %s, %d cores, %.1f s per measurement, trivial program"
        + " (one 4-element kernel), CPU backend, planner offset%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), seconds);
    for (boolean graphs : new boolean[] {false, true}) {
      var settings = new RuntimeSettings("cpu", "offset", List.of(new RuntimeSettings.ModelSpec(
          "trivial", "1", dir.toString(), null, ModelLoader.Kernels.JAVA)), 64, 4, 64,
          Long.MAX_VALUE, 1_000).withReplays(new ReplaySettings(graphs, 1 << 20));
      try (LocalInferenceService s = Runtimes.create(settings)) {
        Map<String, HostTensor> in = Map.of("x", x);
        Model m = s.find("trivial", null);
        ExecutableProgram program = s.executable(m, Map.of("x", x.shape()));
        List<HostTensor> ordered = List.of(x);
        String mode = graphs ? ", graphs on" : "";
        report("executor only" + mode, () -> s.executor().execute(program, m.weights(), ordered,
            m.outputBuffers()).block(Duration.ofSeconds(10)), seconds);
        report("in-process infer" + mode, () -> s.infer("trivial", null, in)
            .block(Duration.ofSeconds(10)), seconds);
      }
    }
  }

  private static void report(String what, Runnable call, double seconds) {
    for (int i = 0; i < 20_000; i++) {
      call.run();
    }
    double[] us = latencies(call, seconds);
    double mean = Arrays.stream(us).average().orElse(Double.NaN);
    System.out.printf(Locale.ROOT, "%-30s p50 %6.1f µs  mean %6.1f µs  p99 %6.1f µs  (%d"
        + " requests)%n", what, us[us.length / 2], mean, us[(int) (us.length * 0.99)],
        us.length);
  }

  private static double[] latencies(Runnable call, double seconds) {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    double[] out = new double[1 << 21];
    int n = 0;
    while (System.nanoTime() < end && n < out.length) {
      long t0 = System.nanoTime();
      call.run();
      out[n++] = (System.nanoTime() - t0) / 1e3;
    }
    double[] l = Arrays.copyOf(out, n);
    Arrays.sort(l);
    return l;
  }
}
