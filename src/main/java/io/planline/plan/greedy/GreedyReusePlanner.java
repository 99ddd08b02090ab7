package io.planline.plan.greedy;

import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.ir.WrapperLine.FreeIfNotReusedLine;
import io.planline.plan.Decision;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.PlanInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Inductor's greedy reuse pass, {@code memory_plan_reuse} of the seed's {@code wrapper.py},
 * re-implemented exactly (its decisions equal every shared trace's {@code expected.json}).
 *
 * <p>Trailing memory-planning lines are popped (unless their buffer is a graph output); then
 * each line is rewritten by {@link GreedyRewriter}'s rules with one LIFO reuse pool per key and
 * per subgraph scope; finally every free whose storage was taken is marked {@code is_reused},
 * as the seed does in place.
 *
 * <p>{@code plannedBytes} is the peak of planned storages ({@code AllocateLine}s) over the
 * rewritten lines, a reused storage held from its first allocation to its final free
 * ({@link WholePeak#plannedPeak}; the seed also lets a planned buffer take a freed extern-kernel
 * or multi-output result, which then counts from its free). It is in raw bytes:
 * {@code options.alignment()} does not apply, because this pass places no offsets (whole storages
 * are handed over between equal keys, so rounding changes no decision) and the bound it is
 * reported against ({@link io.planline.plan.PlanDriver#lowerBound}) is raw as well. What the device
 * allocator adds on top is {@link WholePeak}'s figure.
 */
public final class GreedyReusePlanner implements MemoryPlanner {

  @Override
  public String name() {
    return "greedy";
  }

  @Override
  public String description() {
    return "Inductor's greedy reuse (memory_plan_reuse): a new buffer takes the most recently "
        + "freed storage of the same device, dtype, size expression and alignment";
  }

  @Override
  public Decision decide(PlanInput input) {
    return decide(input.graph(), GreedyRewriter.Policy.ALWAYS);
  }

  /** Runs the pass under {@code policy}; {@link GreedyPeakPlanner} shares it. */
  static Decision decide(Graph graph, GreedyRewriter.Policy policy) {
    List<WrapperLine> lines = GreedyRewriter.pruned(graph.lines(), Set.copyOf(graph.outputs()));
    GreedyRewriter rewriter = new GreedyRewriter(graph.removedBuffers(), policy);
    List<WrapperLine> out = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      out.add(rewriter.rewrite(lines.get(i), i));
    }
    rewriter.finish();
    markTaken(out, rewriter.taken());
    long planned = WholePeak.plannedPeak(graph.withLines(out));
    return Decision.reuses(rewriter.reuses(), out, planned);
  }

  /** Marks each taken free {@code is_reused}, so code generation emits no {@code del} for it. */
  static void markTaken(List<WrapperLine> lines, List<GreedyRewriter.Freed> taken) {
    for (GreedyRewriter.Freed f : taken) {
      FreeIfNotReusedLine l = f.line();
      lines.set(f.index(),
          new FreeIfNotReusedLine(l.node(), true, l.aliasesOutput(), l.multiOutput()));
    }
  }
}
