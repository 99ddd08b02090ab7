package io.planline.plan.greedy;

import static java.util.Objects.requireNonNull;

import io.planline.ir.Buffer;
import io.planline.ir.WrapperLine;
import io.planline.ir.WrapperLine.AllocateLine;
import io.planline.ir.WrapperLine.FreeIfNotReusedLine;
import io.planline.ir.WrapperLine.ReuseLine;
import io.planline.plan.PlanningException;
import io.planline.plan.ReuseKey;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The per-line rules of Inductor's {@code memory_plan_reuse} (the seed, {@code wrapper.py}): one
 * instance rewrites one graph's lines, one line at a time, each line into exactly one line.
 *
 * <p>Rules: an {@code AllocateLine} of a removed buffer becomes a {@code NullLine}; otherwise, if
 * the current scope's pool holds a freed storage under the same {@link ReuseKey} and the
 * {@link Policy} agrees, the most recently freed one is taken and the line becomes
 * {@code ReuseLine(freed, new)}. A {@code FreeIfNotReusedLine} of a buffer that aliases an output
 * or has a multi-output layout is kept and never pooled; of a removed buffer it becomes a
 * {@code NullLine}; otherwise its storage is pushed onto the pool. A scheduled (in-place)
 * {@code ReuseLine} of a removed buffer becomes a {@code NullLine}. {@code EnterSubgraphLine}
 * opens a fresh pool, {@code ExitSubgraphLine} drops it. Trailing-line pruning is the caller's
 * part, since it needs look-ahead ({@link #prunable}).
 */
final class GreedyRewriter {

  /** Whether an allocation takes the freed storage its pool offers. */
  @FunctionalInterface
  interface Policy {
    /** The seed's rule: always take it. */
    Policy ALWAYS = (candidate, line, node) -> true;
    /** Never take one: the program as it is, with only removals applied. */
    Policy NEVER = (candidate, line, node) -> false;

    /** Whether the allocation of {@code node} at {@code line} takes {@code candidate}. */
    boolean take(Freed candidate, int line, Buffer node);
  }

  /** A pooled free: the line and its index in the rewritten program. */
  record Freed(FreeIfNotReusedLine line, int index) {}

  private static final WrapperLine NULL = new WrapperLine.NullLine();

  private final Set<String> removed;
  private final Policy policy;
  private final Deque<Map<ReuseKey, Deque<Freed>>> scopes = new ArrayDeque<>();
  private final Map<String, String> reuses = new LinkedHashMap<>();
  private final List<Freed> taken = new ArrayList<>();

  GreedyRewriter(Set<String> removed, Policy policy) {
    this.removed = requireNonNull(removed, "removed");
    this.policy = requireNonNull(policy, "policy");
    scopes.push(new HashMap<>());
  }

  /**
   * Whether the seed pops {@code line} when it ends the program: a memory-planning line whose
   * buffer ({@code node}; a {@code NullLine} has none) is not a graph output.
   */
  static boolean prunable(WrapperLine line, Set<String> outputs) {
    Buffer node = switch (line.kind()) {
      case ALLOCATE -> ((AllocateLine) line).node();
      case FREE_IF_NOT_REUSED -> ((FreeIfNotReusedLine) line).node();
      case REUSE -> ((ReuseLine) line).node();
      case REINTERPRET -> ((WrapperLine.ReinterpretLine) line).node();
      case FREE -> ((WrapperLine.FreeLine) line).node();
      case NULL -> null;
      case KERNEL_CALL, KERNEL_DEFINITION, EXTERN_KERNEL_OUT, EXTERN_KERNEL_ALLOC, MULTI_OUTPUT,
          COMMENT, ENTER_SUBGRAPH, EXIT_SUBGRAPH, ENTER_DEVICE_CONTEXT, EXIT_DEVICE_CONTEXT,
          COMM_BUFFER_ALLOCATE, COMM_BUFFER_FREE, UNBACKED_SYMBOL_DEFS, ALLOC_FROM_POOL,
          DEALLOC_FROM_POOL, TEXT -> null;
    };
    return isMemoryPlanning(line) && (node == null || !outputs.contains(node.name()));
  }

  /** Whether {@code line} is one of the seed's {@code MemoryPlanningLine}s. */
  static boolean isMemoryPlanning(WrapperLine line) {
    return switch (line.kind()) {
      case ALLOCATE, FREE_IF_NOT_REUSED, REUSE, NULL, FREE, REINTERPRET -> true;
      case KERNEL_CALL, KERNEL_DEFINITION, EXTERN_KERNEL_OUT, EXTERN_KERNEL_ALLOC, MULTI_OUTPUT,
          COMMENT, ENTER_SUBGRAPH, EXIT_SUBGRAPH, ENTER_DEVICE_CONTEXT, EXIT_DEVICE_CONTEXT,
          COMM_BUFFER_ALLOCATE, COMM_BUFFER_FREE, UNBACKED_SYMBOL_DEFS, ALLOC_FROM_POOL,
          DEALLOC_FROM_POOL, TEXT -> false;
    };
  }

  /** {@code lines} without the trailing memory-planning lines the seed pops. */
  static List<WrapperLine> pruned(List<WrapperLine> lines, Set<String> outputs) {
    int end = lines.size();
    while (end > 0 && prunable(lines.get(end - 1), outputs)) {
      end--;
    }
    return lines.subList(0, end);
  }

  /**
   * The line that replaces {@code line}, the {@code index}-th line of the rewritten program.
   *
   * @throws PlanningException on an {@code ExitSubgraphLine} with no open subgraph
   */
  WrapperLine rewrite(WrapperLine line, int index) {
    return switch (line.kind()) {
      case ALLOCATE -> allocate((AllocateLine) line, index);
      case FREE_IF_NOT_REUSED -> free((FreeIfNotReusedLine) line, index);
      case REUSE -> removed.contains(((ReuseLine) line).node().name()) ? NULL : line;
      case ENTER_SUBGRAPH -> {
        scopes.push(new HashMap<>());
        yield line;
      }
      case EXIT_SUBGRAPH -> {
        if (scopes.size() == 1) {
          throw new PlanningException("line " + index
              + ": ExitSubgraphLine without a matching EnterSubgraphLine");
        }
        scopes.pop();
        yield line;
      }
      case NULL, REINTERPRET, FREE, KERNEL_CALL, KERNEL_DEFINITION, EXTERN_KERNEL_OUT,
          EXTERN_KERNEL_ALLOC, MULTI_OUTPUT, COMMENT, ENTER_DEVICE_CONTEXT, EXIT_DEVICE_CONTEXT,
          COMM_BUFFER_ALLOCATE, COMM_BUFFER_FREE, UNBACKED_SYMBOL_DEFS, ALLOC_FROM_POOL,
          DEALLOC_FROM_POOL, TEXT -> line;
    };
  }

  /**
   * Ends the program.
   *
   * @throws PlanningException when a subgraph was entered and never exited (the seed asserts)
   */
  void finish() {
    if (scopes.size() != 1) {
      throw new PlanningException((scopes.size() - 1)
          + " EnterSubgraphLine(s) without a matching ExitSubgraphLine");
    }
  }

  /** New buffer name to the freed buffer whose storage it took, in line order. */
  Map<String, String> reuses() {
    return Collections.unmodifiableMap(reuses);
  }

  /** The pooled frees that a later allocation took, in the order taken. */
  List<Freed> taken() {
    return Collections.unmodifiableList(taken);
  }

  private WrapperLine allocate(AllocateLine line, int index) {
    Buffer node = line.node();
    if (removed.contains(node.name())) {
      return NULL;
    }
    Deque<Freed> pool = scopes.peek().get(ReuseKey.of(node));
    @Nullable Freed top = pool == null ? null : pool.peek();
    if (top == null || !policy.take(top, index, node)) {
      return line;
    }
    pool.pop();
    taken.add(top);
    reuses.put(node.name(), top.line().node().name());
    return new ReuseLine(top.line().node(), node, true);
  }

  private WrapperLine free(FreeIfNotReusedLine line, int index) {
    if (line.aliasesOutput() || line.multiOutput()) {
      return line;
    }
    if (removed.contains(line.node().name())) {
      return NULL;
    }
    // A stack per key: the most recently freed storage is offered first (the seed's list.pop()).
    scopes.peek().computeIfAbsent(ReuseKey.of(line.node()), k -> new ArrayDeque<>())
        .push(new Freed(line, index));
    return line;
  }
}
