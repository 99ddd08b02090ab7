package io.planline.plan;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.ProgramFiles;
import io.planline.ir.Buffer;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.testing.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every registered planner on every shared program file (line dumps and output code) and on
 * random programs: each plan passes the verifier, and no offset plan claims less than the bound.
 */
final class EveryPlannerTest {

  static final PlanOptions OPTIONS = PlanOptions.DEFAULT.withBudgetMillis(200);

  static Stream<Path> sharedFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path dir : Shared.traceDirs()) {
      try (var s = Files.list(dir)) {
        s.filter(f -> f.getFileName().toString().equals("lines.json")
            || f.getFileName().toString().endsWith(".py")).sorted().forEach(files::add);
      }
    }
    return files.stream();
  }

  @ParameterizedTest
  @MethodSource("sharedFiles")
  void plan_everySharedGraph_verifiesUnderEveryPlanner(Path file) {
    for (Graph g : ProgramFiles.read(file).graphs()) {
      for (MemoryPlanner p : PlannerRegistry.builtIn().all()) {
        check(g, p.plan(g, OPTIONS));
      }
    }
  }

  /**
   * A random straight-line program: each step allocates a buffer of one of a few sizes, and frees
   * one of the live buffers when the next index says so; what is never freed lives to the end.
   */
  @Property(tries = 200)
  void plan_randomProgram_verifiesUnderEveryPlanner(
      @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 1, max = 6) Integer> sizes,
      @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 9) Integer> frees) {
    List<WrapperLine> lines = new ArrayList<>();
    List<Buffer> live = new ArrayList<>();
    for (int i = 0; i < sizes.size(); i++) {
      Buffer b = Buffer.ofBytes("buf" + i, Device.CUDA0, sizes.get(i) * 100L);
      lines.add(new WrapperLine.AllocateLine(b));
      lines.add(new WrapperLine.KernelCallLine("k" + i, List.of(b.name()), Device.CUDA0));
      live.add(b);
      int f = frees.get(i % frees.size());
      if (f < live.size() && f % 2 == 0) {
        lines.add(WrapperLine.FreeIfNotReusedLine.of(live.remove(f)));
      }
    }
    lines.add(new WrapperLine.TextLine("return"));
    Graph g = Graph.of("random", lines, live.isEmpty() ? List.of() : List.of(live.get(0).name()));
    for (MemoryPlanner p : PlannerRegistry.builtIn().all()) {
      check(g, p.plan(g, OPTIONS));
    }
  }

  private static void check(Graph g, Plan plan) {
    PlanVerifier.verify(g, plan, OPTIONS.alignment());
    if (plan.kind() == Plan.Kind.OFFSETS) {
      assertTrue(plan.plannedBytes() >= plan.lowerBoundBytes(), plan.planner() + " on "
          + plan.source() + ": " + plan.plannedBytes() + " < bound " + plan.lowerBoundBytes());
    }
  }
}
