package io.planline.cli;

import io.planline.io.ProgramFiles;
import io.planline.ir.Graph;
import io.planline.ir.Program;
import io.planline.plan.Liveness;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: planning time and lower-bound ratio of each planner on each graph, after
 * warm-up, reporting the median and the spread of the timed runs.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmark planners: median planning time after warm-up, and ratio to the lower"
        + " bound, per graph and planner.")
public final class BenchCommand implements Callable<Integer> {

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  PlannerOptions plannerOptions = new PlannerOptions();

  @Option(names = "--warmup", defaultValue = "5", description = "Untimed runs first.")
  int warmup;

  @Option(names = "--runs", defaultValue = "10", description = "Timed runs.")
  int runs;

  @Option(names = "--offset-suite", paramLabel = "SUITE",
      description = "Instead of FILEs: the offset planners' benchmark on the shared instances"
          + " (traces, examples, challenging, idealloc; repeatable; 'all' for every suite).")
  List<String> offsetSuites = new ArrayList<>();

  @Option(names = "--shared", paramLabel = "DIR", defaultValue = "../shared",
      description = "Where the reference data is, for --offset-suite (default: ${DEFAULT-VALUE}).")
  Path shared;

  @Parameters(arity = "0..*", paramLabel = "FILE", description = "Program files.")
  List<Path> files = new ArrayList<>();

  @Override
  public Integer call() {
    if (!offsetSuites.isEmpty()) {
      List<String> args = new ArrayList<>(List.of("--shared", shared.toString()));
      offsetSuites.stream().filter(s -> !s.equals("all"))
          .forEach(s -> args.addAll(List.of("--suite", s)));
      OffsetBench.run(args.toArray(String[]::new), System.out);
      return 0;
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("bench needs program FILEs or --offset-suite");
    }
    List<MemoryPlanner> chosen = plannerOptions.chosen();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "# java %s, %d cores, warmup %d, runs %d%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), warmup,
        runs);
    out.printf(Locale.ROOT, "%-44s %-14s %8s %16s %16s %8s %10s %10s %10s%n", "graph", "planner",
        "buffers", "lower bound", "planned", "ratio", "median ms", "min ms", "max ms");
    for (Path f : files) {
      Program program = ProgramFiles.read(f);
      PlanOptions options = PlanOptions.DEFAULT.withAlignment(ProgramFiles.alignmentOf(f, 64))
          .withBudgetMillis(plannerOptions.budgetMillis);
      for (Graph g : program.graphs()) {
        int buffers = Liveness.of(g).size();
        for (MemoryPlanner p : chosen) {
          Plan plan = null;
          for (int i = 0; i < warmup; i++) {
            plan = p.plan(g, options);
          }
          double[] ms = new double[runs];
          for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            plan = p.plan(g, options);
            ms[i] = (System.nanoTime() - t0) / 1e6;
          }
          PlanVerifier.verify(g, plan, options.alignment());
          Arrays.sort(ms);
          String src = plan.source();
          out.printf(Locale.ROOT, "%-44s %-14s %8d %16d %16d %8.4f %10.3f %10.3f %10.3f%n",
              src.length() <= 44 ? src : "…" + src.substring(src.length() - 43), p.name(), buffers,
              plan.lowerBoundBytes(), plan.plannedBytes(), plan.ratio(), ms[runs / 2], ms[0],
              ms[runs - 1]);
          out.flush();
        }
      }
    }
    return 0;
  }
}
