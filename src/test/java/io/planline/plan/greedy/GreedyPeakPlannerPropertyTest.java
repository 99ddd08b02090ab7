package io.planline.plan.greedy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.Buffer;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;

/** On random programs the peak-aware pass holds the whole bound, and the seed's may not. */
final class GreedyPeakPlannerPropertyTest {

  @Property(tries = 300)
  void plan_randomProgram_peakAwareHoldsTheWholeBoundAndSeedMayNot(@ForAll("programs") Graph g) {
    Plan peakAware = new GreedyPeakPlanner().plan(g, PlanOptions.DEFAULT);
    PlanVerifier.verify(g, peakAware, PlanOptions.ALIGN_BYTES);
    Plan seed = new GreedyReusePlanner().plan(g, PlanOptions.DEFAULT);
    long bound = WholePeak.peak(g.withLines(
        GreedyRewriter.pruned(g.lines(), Set.copyOf(g.outputs()))));
    assertEquals(bound, WholePeak.peak(g.withLines(peakAware.lines())));
    assertTrue(WholePeak.peak(g.withLines(seed.lines())) >= bound);
  }

  @Provide
  Arbitrary<Graph> programs() {
    return Arbitraries.integers().between(0, 999).list().ofMinSize(5).ofMaxSize(80)
        .withSizeDistribution(RandomDistribution.uniform())
        .map(GreedyPeakPlannerPropertyTest::program);
  }

  /**
   * Reads each number as one step of a program over a few reuse keys: allocate, free (sometimes
   * aliasing an output or multi-output), in-place reuse, kernel call, subgraph enter and exit,
   * other memory lines, text. Some buffers are outputs (never freed), some removed; open
   * subgraphs are closed
   * at the end, so programs end either on memory lines (pruning) or on exits.
   */
  static Graph program(List<Integer> steps) {
    List<Buffer> keys = List.of(
        new Buffer("k0", Device.CUDA0, DType.FLOAT32, List.of(256L), List.of(1L), 1024, "256",
            true),
        new Buffer("k1", Device.CUDA0, DType.INT32, List.of(256L), List.of(1L), 1024, "256", true),
        new Buffer("k2", Device.CUDA0, DType.FLOAT32, List.of(64L), List.of(1L), 256, "64", true));
    List<Buffer> live = new ArrayList<>();
    List<WrapperLine> lines = new ArrayList<>();
    Set<String> outputs = new HashSet<>();
    Set<String> removed = new HashSet<>();
    int depth = 0;
    int names = 0;
    for (int step : steps) {
      int arg = step / 10;
      switch (step % 10) {
        case 0, 1 -> {
          Buffer b = keys.get(arg % keys.size()).renamed("buf" + names++);
          mark(b.name(), arg, outputs, removed);
          live.add(b);
          lines.add(new WrapperLine.AllocateLine(b));
        }
        case 2, 3 -> {
          int at = step % 10 == 2 ? 0 : live.size() - 1;
          // graph outputs are never freed in a real program
          if (!live.isEmpty() && !outputs.contains(live.get(at).name())) {
            Buffer b = live.remove(at);
            lines.add(new WrapperLine.FreeIfNotReusedLine(b, false, arg % 11 == 0, arg % 11 == 1));
          }
        }
        case 4 -> lines.add(new WrapperLine.KernelCallLine("k",
            live.stream().map(Buffer::name).toList(), Device.CUDA0));
        case 5 -> {
          if (!live.isEmpty()) {
            Buffer old = live.remove(live.size() - 1);
            Buffer now = old.renamed("buf" + names++);
            if (removed.contains(old.name())) {
              removed.add(now.name());
            } else if (outputs.contains(old.name()) || arg % 5 == 0) {
              outputs.add(now.name()); // an output's storage stays an output's
            }
            live.add(now);
            lines.add(new WrapperLine.ReuseLine(old, now, true));
          }
        }
        case 6 -> {
          if (arg % 4 == 0) { // rarely, so that pools live long enough to be reused from
            depth++;
            lines.add(new WrapperLine.EnterSubgraphLine("s" + depth));
          } else {
            lines.add(new WrapperLine.KernelDefinitionLine("k"));
          }
        }
        case 7 -> {
          if (depth > 0) {
            depth--;
            lines.add(new WrapperLine.ExitSubgraphLine());
          } else {
            lines.add(new WrapperLine.CommentLine(""));
          }
        }
        case 8 -> lines.add(new WrapperLine.NullLine());
        default -> lines.add(new WrapperLine.TextLine("LineContext(" + arg + ")"));
      }
    }
    for (; depth > 0; depth--) {
      lines.add(new WrapperLine.ExitSubgraphLine());
    }
    return new Graph("random", "", List.of(), List.copyOf(outputs), removed, lines, Map.of());
  }

  private static void mark(String name, int arg, Set<String> outputs, Set<String> removed) {
    if (arg % 5 == 0) {
      outputs.add(name);
    } else if (arg % 5 == 1) {
      removed.add(name);
    }
  }
}
