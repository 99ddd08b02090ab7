package io.planline.plan.greedy;

import static java.util.Objects.requireNonNull;

import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * {@link GreedyReusePlanner}'s pass over a stream: one instance per request or graph, fed one
 * line at a time.
 *
 * <p>Trailing-line pruning needs look-ahead: whether a memory-planning line is pruned depends on
 * whether any other kind of line follows it. So memory-planning lines are held back (not
 * rewritten, because rewriting one would already touch the pool) until a line of another kind
 * arrives, which releases them all in order, rewritten; at completion {@link #finish()} drops the
 * held lines the seed would pop from the end and releases the rest. The delay is bounded by the
 * longest run of consecutive memory-planning lines, not by the program.
 *
 * <p>Difference from the batch form: a free is emitted before anyone knows whether a later
 * allocation will take its storage, so it cannot be marked {@code is_reused}. Every other line is
 * equal to the batch form's; the {@code ReuseLine} that takes a storage names the freed buffer,
 * which is what a streaming memory stage (and {@link WholePeak}) needs.
 */
public final class GreedyReuseState {

  private final Set<String> outputs;
  private final GreedyRewriter rewriter;
  private final List<WrapperLine> held = new ArrayList<>();
  private int next;
  private boolean finished;

  /** A state for a graph with these output names and removed buffers. */
  public GreedyReuseState(Set<String> outputs, Set<String> removedBuffers) {
    this.outputs = Set.copyOf(requireNonNull(outputs, "outputs"));
    this.rewriter = new GreedyRewriter(Set.copyOf(requireNonNull(removedBuffers,
        "removedBuffers")), GreedyRewriter.Policy.ALWAYS);
  }

  /** A state for {@code graph}'s outputs and removed buffers (its lines are not read). */
  public static GreedyReuseState forGraph(Graph graph) {
    return new GreedyReuseState(Set.copyOf(graph.outputs()), graph.removedBuffers());
  }

  /**
   * A stream operator: each subscription gets a fresh state, lines are rewritten as they come.
   * Errors (a malformed program) end that subscription's stream with a
   * {@link io.planline.plan.PlanningException}.
   */
  public static Function<Flux<WrapperLine>, Flux<WrapperLine>> operator(Set<String> outputs,
      Set<String> removedBuffers) {
    Set<String> outs = Set.copyOf(outputs);
    Set<String> removed = Set.copyOf(removedBuffers);
    return lines -> Flux.defer(() -> {
      GreedyReuseState state = new GreedyReuseState(outs, removed);
      return lines.concatMapIterable(state::accept)
          .concatWith(Flux.defer(() -> Flux.fromIterable(state.finish())));
    });
  }

  /**
   * Takes the next line and returns the lines now decided, in program order (often none or one).
   *
   * @throws IllegalStateException after {@link #finish()}
   * @throws io.planline.plan.PlanningException on an unmatched {@code ExitSubgraphLine}
   */
  public List<WrapperLine> accept(WrapperLine line) {
    requireNonNull(line, "line");
    if (finished) {
      throw new IllegalStateException("line " + next + " after the stream finished");
    }
    if (GreedyRewriter.isMemoryPlanning(line)) {
      held.add(line);
      return List.of();
    }
    List<WrapperLine> out = release(held.size());
    out.add(rewriter.rewrite(line, next++));
    return out;
  }

  /**
   * Ends the stream: drops the held lines the seed prunes and returns the rest, rewritten.
   *
   * @throws IllegalStateException when called twice
   * @throws io.planline.plan.PlanningException when a subgraph was never exited
   */
  public List<WrapperLine> finish() {
    if (finished) {
      throw new IllegalStateException("finish() called twice");
    }
    finished = true;
    int keep = GreedyRewriter.pruned(held, outputs).size();
    List<WrapperLine> out = release(keep);
    held.clear();
    rewriter.finish();
    return out;
  }

  /** New buffer name to the freed buffer whose storage it took, so far. */
  public Map<String, String> reuses() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(rewriter.reuses()));
  }

  private List<WrapperLine> release(int count) {
    List<WrapperLine> out = new ArrayList<>(count + 1);
    for (int i = 0; i < count; i++) {
      out.add(rewriter.rewrite(held.get(i), next++));
    }
    held.clear();
    return out;
  }
}
