package io.planline.cli;

import io.planline.io.CsvBufferReader;
import io.planline.io.LineDumpReader;
import io.planline.ir.Graph;
import io.planline.ir.Program;
import io.planline.plan.Liveness;
import io.planline.plan.LowerBound;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.PlanOptions;
import io.planline.plan.offset.OffsetPlanner;
import io.planline.plan.optimal.OptimalPlanner;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * {@code bench --offset-suite}: the offset planners on the shared instances, one {@link BenchRow}
 * per instance and planner (every plan verified), and in the text form one summary line per suite
 * and planner, the figures {@code docs/benchmarks.md} quotes.
 *
 * <p>Suites: {@code traces} (every graph of the Inductor line dumps, 100 ms search budget),
 * {@code examples}, {@code idealloc} (10 s) and {@code challenging}: asked the decision question
 * at the capacity in their file name (60 s), and minimised too where their bound is below it.
 */
final class OffsetBench {

  /** The suites, in the order {@code all} runs them. */
  static final List<String> SUITES = List.of("traces", "examples", "idealloc", "challenging");

  private static final long CHALLENGING_BUDGET_MS = 60_000;
  private static final long IDEALLOC_BUDGET_MS = 10_000;
  private static final long TRACE_BUDGET_MS = 100;
  private static final long CHALLENGING_CAPACITY = 1_048_576;

  private final PrintWriter out;
  private final boolean json;
  private final PlanTimer.Limits limits;
  private final List<BenchRow> rows = new ArrayList<>();

  OffsetBench(PrintWriter out, boolean json, PlanTimer.Limits limits) {
    this.out = out;
    this.json = json;
    this.limits = limits;
  }

  /** Runs {@code suites} (names from {@link #SUITES}) over the reference data in {@code shared}. */
  void run(Path shared, List<String> suites) {
    Path mm = shared.resolve("benchmarks/minimalloc");
    if (!json) {
      out.print(BenchRow.tableHeader());
    }
    for (String suite : suites) {
      rows.clear();
      switch (suite) {
        case "traces" -> traces(shared.resolve("traces/inductor"));
        case "examples" -> csvs(suite, mm.resolve("examples"), 0, TRACE_BUDGET_MS);
        case "idealloc" -> csvs(suite, mm.resolve("idealloc"), 0, IDEALLOC_BUDGET_MS);
        case "challenging" -> csvs(suite, mm.resolve("challenging"), CHALLENGING_CAPACITY,
            CHALLENGING_BUDGET_MS);
        default -> throw new IllegalArgumentException("unknown suite " + suite
            + " (known: " + String.join(", ", SUITES) + ", all)");
      }
      if (!json) {
        summarise(suite);
      }
    }
    out.flush();
  }

  private void traces(Path dir) {
    warmUp(dir);
    for (Path d : list(dir, Files::isDirectory)) {
      Program program = LineDumpReader.read(d.resolve("lines.json"));
      for (int g = 0; g < program.graphs().size(); g++) {
        Graph graph = program.graphs().get(g);
        String name = d.getFileName() + "#" + g;
        PlanOptions options = PlanOptions.DEFAULT.withBudgetMillis(TRACE_BUDGET_MS);
        row("traces", name, graph, new OffsetPlanner(), options);
        row("traces", name, graph, new OptimalPlanner(), options);
      }
    }
  }

  private void csvs(String suite, Path dir, long capacity, long budgetMillis) {
    for (Path f : list(dir, p -> p.toString().endsWith(".csv"))) {
      Graph graph = CsvBufferReader.read(f).graphs().get(0);
      String name = dir.relativize(f).toString();
      PlanOptions options = PlanOptions.DEFAULT.withAlignment(CsvBufferReader.ALIGNMENT)
          .withBudgetMillis(budgetMillis);
      if (capacity == 0) {
        row(suite, name, graph, new OffsetPlanner(), options);
        row(suite, name, graph, new OptimalPlanner(), options);
        continue;
      }
      row(suite, name, graph, new OptimalPlanner(), options.withCapacityBytes(capacity));
      if (LowerBound.of(Liveness.of(graph), CsvBufferReader.ALIGNMENT) < capacity) {
        // Below the capacity the optimum is unknown: also minimise, for the record.
        row(suite, name, graph, new OptimalPlanner(), options);
      }
    }
  }

  private void row(String suite, String name, Graph graph, MemoryPlanner planner,
      PlanOptions options) {
    BenchRow row = PlanTimer.time(suite, name, graph, planner, options, limits);
    rows.add(row);
    out.print(json ? row.jsonLine() + "\n" : row.tableLine());
    out.flush();
  }

  /**
   * Per planner (and per question: fit at a capacity, or minimum): how many rows, their buffer
   * range, the worst ratio, the slowest median, how many are proven and how many failed.
   */
  private void summarise(String suite) {
    Map<String, List<BenchRow>> groups = new LinkedHashMap<>();
    for (BenchRow r : rows) {
      String key = r.capacityBytes() > 0 ? r.planner() + " @" + r.capacityBytes() : r.planner();
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
    }
    groups.forEach((key, rs) -> {
      int minBuffers = rs.stream().mapToInt(BenchRow::buffers).min().orElse(0);
      int maxBuffers = rs.stream().mapToInt(BenchRow::buffers).max().orElse(0);
      long failed = rs.stream().filter(r -> r.error() != null).count();
      double worst = rs.stream().filter(r -> r.error() == null)
          .mapToDouble(BenchRow::ratio).max().orElse(Double.NaN);
      double slowest = rs.stream().mapToDouble(BenchRow::medianMillis).max().orElse(0);
      long proven = rs.stream().filter(BenchRow::proven).count();
      out.printf(Locale.ROOT, "# %s, %s: %d rows, %d-%d buffers, worst ratio %.4f, slowest"
          + " median %.1f ms, %d proven, %d failed%n", suite, key, rs.size(), minBuffers,
          maxBuffers, worst, slowest, proven, failed);
    });
  }

  /** Plans every trace a few times first, so that even the first rows measure compiled code. */
  private static void warmUp(Path dir) {
    for (int round = 0; round < 3; round++) {
      for (Path d : list(dir, Files::isDirectory)) {
        for (Graph graph : LineDumpReader.read(d.resolve("lines.json")).graphs()) {
          new OffsetPlanner().plan(graph, PlanOptions.DEFAULT);
        }
      }
    }
  }

  private static List<Path> list(Path dir, Predicate<Path> keep) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir)).filter(keep).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
