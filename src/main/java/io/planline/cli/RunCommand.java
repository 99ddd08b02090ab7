package io.planline.cli;

import io.planline.backend.HostTensor;
import io.planline.exec.ExecutableProgram;
import io.planline.exec.KernelProfile;
import io.planline.exec.LocalInferenceService;
import io.planline.exec.PathWarmup;
import io.planline.exec.RuntimeSettings;
import io.planline.exec.Runtimes;
import io.planline.exec.Samples;
import io.planline.model.Model;
import io.planline.model.ModelLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code run}: one inference of a built-in model (or a model folder) on the CPU backend, printing
 * the outputs and a memory summary; without {@code --input} it runs the model's own sample and
 * compares with PyTorch's output for it. {@code --profile N} then times N more runs per operator.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run one inference and print outputs and a memory summary.",
    footerHeading = "%nExample:%n",
    footer = "  planline run tiny-gpt -p greedy-peak --input examples/tiny-gpt-8x64.json")
public final class RunCommand implements Callable<Integer> {

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "MODEL",
      description = "Built-in model (digits-mlp, digits-cnn, tiny-gpt) or a model folder.")
  String model;

  @Option(names = {"-p", "--planner"}, defaultValue = "offset", paramLabel = "NAME",
      completionCandidates = PlannerNames.class,
      description = "Memory planner: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  String planner;

  @Option(names = "--kernels", defaultValue = "auto", paramLabel = "KIND",
      description = "Which program runs where the model has two: auto (Inductor's compiled"
          + " kernels where this machine runs them), inductor or java (default:"
          + " ${DEFAULT-VALUE}).")
  String kernels;

  @Option(names = "--input", paramLabel = "FILE.json",
      description = "Inputs as a KServe V2 infer request or a sample.json (default: the model's"
          + " sample).")
  Path input;

  @Option(names = "--profile", paramLabel = "N", defaultValue = "0",
      description = "After the first run, warm the request path as the server's start does,"
          + " run N more times and print the time per operator (CPU backend: the kernels' run"
          + " times; default: ${DEFAULT-VALUE}, no profile).")
  int profileRuns;

  @Override
  public Integer call() throws IOException {
    if (profileRuns < 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--profile must be >= 0, got " + profileRuns);
    }
    // an ONNX file would otherwise be taken for an unknown built-in model's name
    io.planline.io.OnnxAdvice.about(Path.of(model)).ifPresent(advice -> {
      throw new IllegalArgumentException(model + ": " + advice);
    });
    boolean folder = Files.isDirectory(Path.of(model));
    String name = folder ? Path.of(model).getFileName().toString() : model;
    ModelLoader.Kernels choice;
    try {
      choice = ModelLoader.Kernels.parse(kernels);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--kernels: " + e.getMessage());
    }
    if (input != null && !Files.isReadable(input)) {
      // checked before the model loads, and named as the option it came from
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--input " + input
          + ": " + (Files.exists(input) ? "not readable" : "no such file"));
    }
    var settings = new RuntimeSettings("cpu", planner,
        List.of(new RuntimeSettings.ModelSpec(name, "1", folder ? model : null, null, choice)),
        64, 1, 1, Long.MAX_VALUE, 1_000);
    PrintWriter out = spec.commandLine().getOut();
    KernelProfile profile = new KernelProfile();
    try (LocalInferenceService service = Runtimes.create(settings, profile)) {
      var source = folder ? ModelLoader.folder(Path.of(model)) : ModelLoader.builtIn(name);
      Samples.Sample sample;
      if (input == null) {
        sample = Samples.of(source);
      } else {
        try (InputStream in = Files.newInputStream(input)) {
          sample = Samples.read(input.toString(), in);
        }
      }
      Model m = service.find(name, null);
      Map<String, long[]> shapes = new LinkedHashMap<>();
      sample.inputs().forEach((k, v) -> shapes.put(k, v.shape()));
      ExecutableProgram program = service.executable(m, shapes);
      long start = System.nanoTime();
      List<HostTensor> outputs = service.infer(name, null, sample.inputs())
          .block(Duration.ofMinutes(5));
      double millis = (System.nanoTime() - start) / 1e6;
      for (HostTensor t : outputs) {
        out.printf(Locale.ROOT, "%s %s %s: %s%n", t.name(), t.dtype(), Arrays.toString(t.shape()),
            preview(t));
        HostTensor expected = input == null ? sample.outputs().get(t.name()) : null;
        if (expected != null) {
          out.println(againstSample(t, expected));
        }
      }
      var plan = program.plan();
      var backend = service.executor().backend();
      String own = backend.device().type().equals("cpu") ? "Java kernel library"
          : "the " + backend.device() + " backend's own kernels";
      out.printf(Locale.ROOT, "kernels: %s%n", m.nativeKernels() == null ? own
          : "Inductor's compiled kernels (" + m.nativeKernels().describe() + ")");
      out.printf(Locale.ROOT, "memory: planner %s, planned %,d bytes, lower bound %,d bytes"
          + " (x%.4f), weights %,d bytes, device peak %,d bytes, in use after %,d bytes%n",
          plan.planner(), plan.plannedBytes(), plan.lowerBoundBytes(), plan.ratio(),
          m.weightBytes(), backend.peakBytes(), backend.bytesInUse());
      var pools = m.program().inductorPools();
      if (pools != null && pools.sizedAt(shapes)) {
        out.printf(Locale.ROOT, "memory: Inductor's own pools for the same lines %,d bytes "
            + "(%d pools; without the results of extern calls such as convolutions, which "
            + "Inductor leaves to their operators to allocate)%n", pools.bytes(),
            pools.poolBytes().size());
      }
      out.printf(Locale.ROOT, "time: %.2f ms (first run, includes warm-up)%n", millis);
      if (profileRuns > 0) {
        // as the server's start does, so that "outside them" is the served request's cost, not
        // the interpreter's (a slow model's few hundred runs leave its Java path uncompiled)
        PathWarmup.once();
        printProfile(out, profile, profileRuns,
            () -> HostTensor.releaseAll(service.infer(name, null, sample.inputs())
                .block(Duration.ofMinutes(5))));
      }
      out.flush();
    }
    return 0;
  }

  /**
   * Runs {@code request} {@code runs} times after a warm-up of as many runs, then prints each
   * operator's calls and milliseconds per run, its share of the kernels' time, and what the
   * runtime spent outside kernels (planning is cached by then, so that is the executor's own
   * work: binding memory, hand-overs between threads, copying inputs and outputs). A second line
   * gives the runs' spread in their kernels and outside them, which says whether a slow run lost
   * its time in the kernels (ResNet-50 [1] on the 2-core build machine, docs/benchmarks.md
   * "Session 30") or in the runtime's own path.
   */
  private static void printProfile(PrintWriter out, KernelProfile profile, int runs,
      Runnable request) {
    for (int i = 0; i < runs; i++) {
      request.run();
    }
    profile.reset();
    long[] wallNanos = new long[runs];
    long[] kernelNanos = new long[runs];
    long[] outsideNanos = new long[runs];
    for (int i = 0; i < runs; i++) {
      long kernelsBefore = profile.totalNanos();
      long start = System.nanoTime();
      request.run();
      wallNanos[i] = System.nanoTime() - start;
      kernelNanos[i] = profile.totalNanos() - kernelsBefore;
      outsideNanos[i] = wallNanos[i] - kernelNanos[i];
    }
    double wall = LongStream.of(wallNanos).sum() / 1e6 / runs;
    List<KernelProfile.Row> rows = profile.rows();
    double kernels = LongStream.of(kernelNanos).sum() / 1e6 / runs;
    out.printf(Locale.ROOT, "profile: %d runs after %d warm-up runs: %.3f ms per run, %.3f ms in"
        + " kernels, %.3f ms outside them%n", runs, runs, wall, kernels, wall - kernels);
    out.printf(Locale.ROOT, "  spread: a run %s; in kernels %s; outside them %s%n",
        percentiles(wallNanos), percentiles(kernelNanos), percentiles(outsideNanos));
    out.printf(Locale.ROOT, "  %-50s %8s %10s %7s%n", "operator", "calls", "ms/run", "share");
    for (KernelProfile.Row r : rows) {
      double ms = r.nanos() / 1e6 / runs;
      out.printf(Locale.ROOT, "  %-50s %8.1f %10.3f %6.1f%%%n", r.kernel(),
          (double) r.calls() / runs, ms, kernels > 0 ? 100 * ms / kernels : 0);
    }
  }

  /** "p50 A, p90 B, p99 C ms" of {@code nanos} (nearest rank; each column sorted alone). */
  static String percentiles(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    StringBuilder s = new StringBuilder();
    for (int p : new int[] {50, 90, 99}) {
      int rank = (int) Math.ceil(p / 100.0 * sorted.length);
      s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "p%d %.3f", p,
          sorted[Math.max(0, rank - 1)] / 1e6));
    }
    return s.append(" ms").toString();
  }

  /**
   * How {@code t} compares with the sample's {@code expected}: float32 by relative error, other
   * element types (integer indices, masks) element for element.
   */
  static String againstSample(HostTensor t, HostTensor expected) {
    if (t.dtype() != expected.dtype() || !Arrays.equals(t.shape(), expected.shape())) {
      return String.format(Locale.ROOT, "  differs from the PyTorch sample: %s %s there",
          expected.dtype(), Arrays.toString(expected.shape()));
    }
    if (t.dtype() == io.planline.ir.DType.FLOAT32) {
      return String.format(Locale.ROOT, "  relative error vs PyTorch sample (max |diff| / max "
          + "|expected|): %.3g", HostTensor.relativeError(t.floats(), expected.floats()));
    }
    return t.data().duplicate().equals(expected.data().duplicate())
        ? "  equal to the PyTorch sample, element for element"
        : "  differs from the PyTorch sample (" + t.dtype() + ", compared element for element)";
  }

  private static String preview(HostTensor t) {
    if (t.dtype() != io.planline.ir.DType.FLOAT32) {
      return "(" + t.elements() + " values)";
    }
    float[] v = t.floats();
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < Math.min(8, v.length); i++) {
      s.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", v[i]));
    }
    return s.append(v.length > 8 ? ", ...]" : "]").toString();
  }
}
