package io.planline.cli;

import io.planline.io.CsvBufferReader;
import io.planline.io.LineDumpReader;
import io.planline.ir.Graph;
import io.planline.ir.Program;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import io.planline.plan.PlanningException;
import io.planline.plan.offset.OffsetPlanner;
import io.planline.plan.offset.OptimalPlanner;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Benchmark of the offset planners on the shared instances; prints one table row per run
 * (instance, buffers, LB, planner, planned, ratio, millis, proven). Every plan is verified.
 *
 * <p>Usage: {@code OffsetBench [--shared DIR] [--suite traces|examples|challenging|idealloc]...
 * [--budget-ms N]}; no suite means all. Challenging instances are asked the decision question at
 * the capacity in their file name (rows marked {@code @capacity}), and minimised too where their
 * bound is below it; the others are minimised. The {@code bench} CLI verb calls {@link #run}.
 */
final class OffsetBench {

  private static final long CHALLENGING_BUDGET_MS = 60_000;
  private static final long IDEALLOC_BUDGET_MS = 10_000;
  private static final long TRACE_BUDGET_MS = 100;

  private final PrintStream out;
  private final long budgetOverride;

  private OffsetBench(PrintStream out, long budgetOverride) {
    this.out = out;
    this.budgetOverride = budgetOverride;
  }

  /** Runs the benchmark with command-line {@code args}. */
  public static void main(String[] args) {
    run(args, System.out);
  }

  /** Runs the suites named in {@code args} (all when none) and prints the table to {@code out}. */
  public static void run(String[] args, PrintStream out) {
    Path shared = Path.of("../shared");
    long budget = 0;
    List<String> suites = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--shared" -> shared = Path.of(args[++i]);
        case "--suite" -> suites.add(args[++i]);
        case "--budget-ms" -> budget = Long.parseLong(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (suites.isEmpty()) {
      suites = List.of("traces", "examples", "challenging", "idealloc");
    }
    OffsetBench bench = new OffsetBench(out, budget);
    out.printf("%-40s %7s %16s %-8s %16s %8s %8s %s%n", "instance", "buffers", "LB", "planner",
        "planned", "ratio", "millis", "proven");
    Path mm = shared.resolve("benchmarks/minimalloc");
    for (String suite : suites) {
      switch (suite) {
        case "traces" -> bench.traces(shared.resolve("traces/inductor"));
        case "examples" -> bench.csvs(mm.resolve("examples"), 0, TRACE_BUDGET_MS);
        case "challenging" -> bench.csvs(mm.resolve("challenging"), 1_048_576,
            CHALLENGING_BUDGET_MS);
        case "idealloc" -> bench.csvs(mm.resolve("idealloc"), 0, IDEALLOC_BUDGET_MS);
        default -> throw new IllegalArgumentException("unknown suite " + suite);
      }
    }
  }

  private void traces(Path dir) {
    warmUp(dir);
    for (Path d : list(dir, Files::isDirectory)) {
      Program program = LineDumpReader.read(d.resolve("lines.json"));
      for (int g = 0; g < program.graphs().size(); g++) {
        Graph graph = program.graphs().get(g);
        String name = d.getFileName() + "#" + g;
        PlanOptions options = PlanOptions.DEFAULT.withBudgetMillis(budget(TRACE_BUDGET_MS));
        row(name, graph, new OffsetPlanner(), options);
        row(name, graph, new OptimalPlanner(), options);
      }
    }
  }

  private void csvs(Path dir, long capacity, long defaultBudget) {
    for (Path f : list(dir, p -> p.toString().endsWith(".csv"))) {
      Graph graph = CsvBufferReader.read(f).graphs().get(0);
      String name = dir.relativize(f).toString();
      PlanOptions options = PlanOptions.DEFAULT.withAlignment(CsvBufferReader.ALIGNMENT)
          .withBudgetMillis(budget(defaultBudget));
      if (capacity == 0) {
        row(name, graph, new OffsetPlanner(), options);
        row(name, graph, new OptimalPlanner(), options);
        continue;
      }
      row(name + " @" + capacity, graph, new OptimalPlanner(),
          options.withCapacityBytes(capacity));
      long bound = io.planline.plan.LowerBound.of(io.planline.plan.Liveness.of(graph),
          CsvBufferReader.ALIGNMENT);
      if (bound < capacity) {
        // Below the capacity the optimum is unknown: also minimise, for the record.
        row(name, graph, new OptimalPlanner(), options);
      }
    }
  }

  private void row(String name, Graph graph, MemoryPlanner planner, PlanOptions options) {
    long t0 = System.nanoTime();
    int buffers = io.planline.plan.Liveness.of(graph).size();
    try {
      Plan plan = planner.plan(graph, options);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      PlanVerifier.verify(graph, plan, options.alignment());
      out.printf("%-40s %7d %16d %-8s %16d %8.4f %8d %s%n", name, buffers,
          plan.lowerBoundBytes(), planner.name(), plan.plannedBytes(), plan.ratio(), ms,
          plan.provenOptimal() ? "yes" : "no");
    } catch (PlanningException e) {
      long ms = (System.nanoTime() - t0) / 1_000_000;
      out.printf("%-40s %7d %16s %-8s %16s %8s %8d %s%n", name, buffers, "-", planner.name(),
          "-", "-", ms, e.getMessage());
    }
  }

  /** Plans every trace a few times first, so the timed rows measure compiled code. */
  private void warmUp(Path dir) {
    for (int round = 0; round < 3; round++) {
      for (Path d : list(dir, Files::isDirectory)) {
        for (Graph graph : LineDumpReader.read(d.resolve("lines.json")).graphs()) {
          new OffsetPlanner().plan(graph, PlanOptions.DEFAULT);
        }
      }
    }
  }

  private long budget(long defaultBudget) {
    return budgetOverride > 0 ? budgetOverride : defaultBudget;
  }

  private static List<Path> list(Path dir, java.util.function.Predicate<Path> keep) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir)).filter(keep).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
