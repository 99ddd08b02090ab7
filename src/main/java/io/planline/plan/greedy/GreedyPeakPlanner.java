package io.planline.plan.greedy;

import io.planline.ir.Buffer;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.plan.Decision;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.PlanInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Greedy reuse that never holds a freed storage through a higher peak than releasing it would:
 * the idea of a newer Inductor's {@code should_reuse_buffer} fed by its
 * {@code EfficientPeakEstimate}, measured on {@link WholePeak}'s whole-program profile instead of
 * per scheduler node.
 *
 * <p>A freed storage stays allocated until it is reused, so taking it at line {@code a} after it
 * was freed at line {@code f} adds its bytes to every line strictly between them. First the
 * program is profiled with no new reuse at all (its maximum {@code P} is the whole lower bound);
 * then the seed's pass runs, and an allocation takes the pool's candidate only when the
 * profile's maximum over {@code (f, a)} plus the storage's bytes stays within {@code P}, after
 * which those bytes are added to the profile. Only the most recently freed candidate needs
 * testing: an older one of the same key was freed earlier, so its gap contains the newer one's
 * and would fail too. The whole peak therefore equals the whole lower bound, never more than the
 * seed's.
 *
 * <pre>
 *   bytes   P ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─
 *              ┌──┐   held gap (f, a)   ┌──┐
 *   freed ─────┘f └────────░░░░░░░░─────┘a └──── new
 *   take it only if max(profile over the gap) + size ≤ P
 * </pre>
 *
 * <p>Cost: each test walks its gap, O(lines) per allocation; the trace graphs take milliseconds.
 */
public final class GreedyPeakPlanner implements MemoryPlanner {

  @Override
  public String name() {
    return "greedy-peak";
  }

  @Override
  public String description() {
    return "greedy reuse that skips a freed storage when holding it until reuse would raise the "
        + "whole-program peak (a newer Inductor's should_reuse_buffer)";
  }

  @Override
  public Decision decide(PlanInput input) {
    Graph graph = input.graph();
    List<WrapperLine> lines = GreedyRewriter.pruned(graph.lines(), Set.copyOf(graph.outputs()));
    GreedyRewriter plain = new GreedyRewriter(graph.removedBuffers(), GreedyRewriter.Policy.NEVER);
    List<WrapperLine> base = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      base.add(plain.rewrite(lines.get(i), i));
    }
    plain.finish();
    long[] live = WholePeak.profile(graph.withLines(base));
    return GreedyReusePlanner.decide(graph, new PeakPolicy(live));
  }

  /** Takes a candidate only when holding it through its gap keeps the profile under its peak. */
  static final class PeakPolicy implements GreedyRewriter.Policy {
    private final long[] live;
    private final long peak;

    PeakPolicy(long[] live) {
      this.live = live;
      long p = 0;
      for (long v : live) {
        p = Math.max(p, v);
      }
      this.peak = p;
    }

    @Override
    public boolean take(GreedyRewriter.Freed candidate, int line, Buffer node) {
      Buffer freed = candidate.line().node();
      long bytes = WholePeak.rounded(freed.sized() ? freed.bytes() : Math.max(0, node.bytes()));
      int from = candidate.index() + 1;
      int to = Math.min(line, live.length);
      long worst = 0;
      for (int i = from; i < to; i++) {
        worst = Math.max(worst, live[i]);
      }
      if (worst + bytes > peak) {
        return false;
      }
      for (int i = from; i < to; i++) {
        live[i] += bytes;
      }
      return true;
    }
  }
}
