package io.planline.cli;

import io.planline.io.PlanJsonWriter;
import io.planline.io.PlanSvgWriter;
import io.planline.io.ProgramFiles;
import io.planline.ir.Graph;
import io.planline.ir.Program;
import io.planline.model.InductorPools;
import io.planline.plan.Liveness;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import io.planline.plan.SearchProgress;
import io.planline.plan.pool.AsCompiledPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code plan}: reads program files, runs planners on every graph, verifies each plan, and prints
 * a table (or {@code --json}, the shared result shape), optionally drawing each plan as SVG.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = "Plan memory for program files (.json line dumps, .py output code, .csv buffer"
        + " lists) and report each planner against the lower bound.",
    footerHeading = "%nExamples:%n",
    footer = {"  planline plan --planner offset --planner greedy examples/mlp-infer.lines.json",
        "  planline plan --planner optimal --capacity 12 --json examples/input.12.csv"})
public final class PlanCommand implements Callable<Integer> {

  /** At most one progress line a second (issue 12). */
  static final long PROGRESS_INTERVAL_MILLIS = 1_000;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  PlannerOptions plannerOptions = new PlannerOptions();

  @Option(names = "--json", description = "Print results as JSON (default: a table).")
  boolean json;

  @Option(names = "--svg", paramLabel = "DIR",
      description = "Write one SVG per graph and planner (default: none).")
  Path svgDir;

  @Option(names = "--capacity", paramLabel = "BYTES", defaultValue = "0",
      description = "Ask whether the buffers fit in BYTES (planners that support it;"
          + " default: ${DEFAULT-VALUE}, no capacity: find the smallest arena).")
  long capacity;

  @Option(names = "--alignment", paramLabel = "BYTES", defaultValue = "64",
      description = "Offset alignment for program files (CSV units are never aligned;"
          + " default: ${DEFAULT-VALUE}).")
  int alignment;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Program files to plan, or "
      + "model folders / their program.json (planned at the shapes Inductor's own pools were "
      + "recorded at, which are shown beside, or at static input shapes).")
  List<Path> files;

  @Override
  public Integer call() throws IOException {
    List<MemoryPlanner> chosen = plannerOptions.chosen();
    // Read every file before planning any, so a bad file fails before output starts.
    List<Program> programs = new ArrayList<>();
    Map<Graph, InductorPools> references = new IdentityHashMap<>();
    Set<Graph> models = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Path f : files) {
      var model = ModelProgramFile.read(f);
      if (model.isPresent()) {
        programs.add(new Program(f.toString(), List.of(model.get().graph())));
        models.add(model.get().graph());
        if (model.get().inductor() != null) {
          references.put(model.get().graph(), model.get().inductor());
        }
      } else {
        programs.add(ProgramFiles.read(f));
      }
    }
    if (svgDir != null) {
      Files.createDirectories(svgDir);
    }
    List<PlanJsonWriter.Result> results = new ArrayList<>();
    PrintWriter out = spec.commandLine().getOut();
    // A long search (optimal with a large --budget-ms) says how it stands, on stderr so that
    // --json output stays clean, and at most once a second.
    PrintWriter err = spec.commandLine().getErr();
    SearchProgress progress = SearchProgress.atMostEvery(PROGRESS_INTERVAL_MILLIS, s -> {
      err.println(progressLine(s));
      err.flush();
    });
    if (!json) {
      out.printf(Locale.ROOT, "%-48s %-14s %8s %16s %16s %8s %10s %s%n", "graph", "planner",
          "buffers", "lower bound", "planned", "ratio", "ms", "proven");
    }
    for (int i = 0; i < files.size(); i++) {
      boolean model = programs.get(i).graphs().stream().anyMatch(models::contains);
      PlanOptions options = new PlanOptions(model ? alignment
          : ProgramFiles.alignmentOf(files.get(i), alignment), plannerOptions.budgetMillis,
          capacity, progress);
      for (Graph g : programs.get(i).graphs()) {
        int buffers = Liveness.of(g).size();
        long bound = 0;
        // Output code that Inductor already planned into pools: its own offsets come first.
        var asCompiled = AsCompiledPlan.of(g);
        if (asCompiled.isPresent()) {
          report(g, asCompiled.get(), buffers, 0, options, results, out, null);
        }
        for (MemoryPlanner planner : chosen) {
          long start = System.nanoTime();
          Plan plan = planner.plan(g, options);
          double millis = (System.nanoTime() - start) / 1e6;
          report(g, plan, buffers, millis, options, results, out,
              references.containsKey(g) ? references.get(g).bytes() : null);
          bound = plan.lowerBoundBytes();
        }
        InductorPools pools = references.get(g);
        if (pools != null && !json) {
          // Inductor's own planner on the same lines (recorded at export): the reference row
          out.printf(Locale.ROOT, "%-48s %-14s %8d %16s %16d %8s %10s %s%n", "",
              "(inductor's)", buffers, "", pools.bytes(), bound > 0
                  ? String.format(Locale.ROOT, "%8.4f", (double) pools.bytes() / bound) : "",
              "", "");
        }
      }
    }
    if (json) {
      out.println(PlanJsonWriter.toJson(results));
    }
    out.flush();
    return 0;
  }

  /** One progress line: best and bound in bytes, their ratio, seconds so far. */
  static String progressLine(SearchProgress.Snapshot s) {
    return String.format(Locale.ROOT,
        "planline: searching %s on %s: best %d bytes, bound %d (x%.4f), %.1f s", s.source(),
        s.device(), s.bestBytes(), s.boundBytes(),
        s.boundBytes() == 0 ? 1.0 : (double) s.bestBytes() / s.boundBytes(),
        s.elapsedMillis() / 1000.0);
  }

  /** Verifies a plan, then prints it (table row), keeps it (JSON) and draws it (SVG). */
  private void report(Graph g, Plan plan, int buffers, double millis, PlanOptions options,
      List<PlanJsonWriter.Result> results, PrintWriter out, @Nullable Long inductor)
      throws IOException {
    PlanVerifier.verify(g, plan, options.alignment());
    results.add(new PlanJsonWriter.Result(plan, buffers, millis, inductor));
    if (!json) {
      out.printf(Locale.ROOT, "%-48s %-14s %8d %16d %16d %8.4f %10.2f %s%n",
          shorten(plan.source()), plan.planner(), buffers, plan.lowerBoundBytes(),
          plan.plannedBytes(), plan.ratio(), millis, plan.provenOptimal() ? "yes" : "no");
    }
    if (svgDir != null) {
      Files.writeString(svgDir.resolve(svgName(plan)), PlanSvgWriter.svg(g, plan));
    }
  }

  private static String shorten(String source) {
    return source.length() <= 48 ? source : "…" + source.substring(source.length() - 47);
  }

  private static String svgName(Plan plan) {
    String base = Path.of(plan.source().replace('#', '_')).getFileName().toString();
    String parent = Path.of(plan.source()).getParent() == null ? ""
        : Path.of(plan.source()).getParent().getFileName() + "_";
    return (parent + base + "_" + plan.planner() + ".svg").replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
