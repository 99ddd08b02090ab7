package io.planline.cli;

import io.planline.io.ProgramFiles;
import io.planline.ir.Graph;
import io.planline.ir.Program;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.PlanOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * warm-up, reporting the median and the spread of the timed runs, as a table or as JSON lines
 * (one {@link BenchRow} object per line, which {@code tools/bench-compare.py} compares against
 * the figures recorded in {@code docs/bench-baseline.jsonl}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmark planners: median planning time after warm-up, and ratio to the lower"
        + " bound, per graph and planner.",
    footerHeading = "%nExamples:%n",
    footer = {"  planline bench --planner offset --warmup 3 --runs 10 examples/input.12.csv",
        "  planline bench --offset-suite traces --json"})
public final class BenchCommand implements Callable<Integer> {

  // A suite mixes millisecond plans with searches that spend a 60 s budget: per row, warm-up
  // stops after 1 s and timed runs after 3 s, so fast rows get a median and slow ones one run.
  static final long SUITE_WARMUP_NANOS = 1_000_000_000L;
  static final long SUITE_RUNS_NANOS = 3_000_000_000L;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  PlannerOptions plannerOptions = new PlannerOptions();

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "5",
      description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--runs", paramLabel = "N", defaultValue = "10",
      description = "Timed runs (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--json",
      description = "One JSON object per result, one per line (default: a table).")
  boolean json;

  @Option(names = "--offset-suite", paramLabel = "SUITE",
      description = "Instead of FILEs: the offset planners on the shared instances (traces,"
          + " examples, idealloc, challenging; repeatable; 'all' for every suite). Warm-up and"
          + " timed runs stop after 1 s and 3 s per row; a first run over 1 s is the one timed"
          + " (default: none, the FILEs).")
  List<String> offsetSuites = new ArrayList<>();

  @Option(names = "--shared", paramLabel = "DIR", defaultValue = "../shared",
      description = "Where the reference data is, for --offset-suite (default: ${DEFAULT-VALUE}).")
  Path shared;

  @Parameters(arity = "0..*", paramLabel = "FILE", description = "Program files.")
  List<Path> files = new ArrayList<>();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (!offsetSuites.isEmpty()) {
      List<String> suites = offsetSuites.contains("all") ? OffsetBench.SUITES : offsetSuites;
      header(out, "suite rows: warm-up within 1 s, timed runs within 3 s");
      new OffsetBench(out, json, new PlanTimer.Limits(warmup, runs, SUITE_WARMUP_NANOS,
          SUITE_RUNS_NANOS)).run(shared, suites);
      return 0;
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("bench needs program FILEs or --offset-suite");
    }
    List<MemoryPlanner> chosen = plannerOptions.chosen();
    header(out, "");
    if (!json) {
      out.print(BenchRow.tableHeader());
    }
    for (Path f : files) {
      Program program = ProgramFiles.read(f);
      PlanOptions options = PlanOptions.DEFAULT.withAlignment(ProgramFiles.alignmentOf(f, 64))
          .withBudgetMillis(plannerOptions.budgetMillis);
      for (Graph g : program.graphs()) {
        for (MemoryPlanner p : chosen) {
          BenchRow row = PlanTimer.time("", g.source(), g, p, options,
              PlanTimer.Limits.counts(warmup, runs));
          out.print(json ? row.jsonLine() + "\n" : row.tableLine());
          out.flush();
        }
      }
    }
    return 0;
  }

  /** The conditions, as a comment line of the table (JSON lines carry only results). */
  private void header(PrintWriter out, String note) {
    if (!json) {
      out.printf(Locale.ROOT, "# java %s, %d cores, warmup %d, runs %d%s%n",
          System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), warmup,
          runs, note.isEmpty() ? "" : "; " + note);
    }
  }
}
