package io.planline.plan.offset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.CsvBufferReader;
import io.planline.plan.Liveness;
import io.planline.testing.Shared;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@link OffsetSolver#quick} runs, counted in passes and search nodes rather than timed, so
 * that a slow path coming back fails here on any machine (issue 16: the exact search ran on
 * resnet50.csv although a greedy pass reaches its bound, 18 ms became ~200 ms).
 */
final class OffsetSolverTest {

  private static OffsetProblem csv(Path file) {
    return ArenaDriver.problem(Liveness.of(CsvBufferReader.read(file).graphs().get(0)),
        CsvBufferReader.ALIGNMENT);
  }

  @Test
  void quick_portfolioReachesTheBound_stopsThereWithoutSearching() {
    OffsetProblem p = csv(Shared.minimalloc().resolve("idealloc/somas_tensors/resnet50.csv"));
    Effort effort = new Effort();
    Packing packing = OffsetSolver.quick(p, 1_000_000, Long.MAX_VALUE, effort);
    assertEquals(p.lowerBound(), packing.height());
    assertTrue(packing.provenOptimal());
    assertEquals(0, effort.searchNodes(), "the search ran although the portfolio met the bound");
    // One component (three buffers overlapping all others are stacked below it); the portfolio
    // stops at skyline by total area, the pass that reaches the bound on it.
    List<String> names = GreedyPortfolio.passes(p.size()).stream()
        .map(GreedyPortfolio.Pass::name).toList();
    assertEquals(names.indexOf("skyline/TOTAL_AREA") + 1, effort.greedyPasses(), names.toString());
  }

  @Test
  void quick_portfolioShortOfTheBound_searches() {
    // MiniMalloc's challenging A: every greedy pass is 12% or more above the bound.
    OffsetProblem p = csv(Shared.minimalloc().resolve("challenging/A.1048576.csv"));
    Effort effort = new Effort();
    Packing packing = OffsetSolver.quick(p, 2_000, Long.MAX_VALUE, effort);
    assertTrue(Instances.isValid(p, packing.offsets()));
    assertEquals(GreedyPortfolio.passes(p.size()).size(), effort.greedyPasses());
    assertTrue(effort.searchNodes() > 0);
  }
}
