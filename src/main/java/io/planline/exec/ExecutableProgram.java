package io.planline.exec;

import io.planline.backend.Backend;
import io.planline.ir.Buffer;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.kernel.CompiledKernels;
import io.planline.model.ProgramBinder;
import io.planline.plan.Placement;
import io.planline.plan.Plan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A graph and its verified plan compiled into executable {@link Step}s for one backend: the
 * memory decisions are resolved (arena offsets for offset plans; allocate / reuse / free for reuse
 * plans) and every kernel is prepared, so a request only walks the steps.
 *
 * <p>Offset plans: every storage is a slice of one of the plan's pools, each an arena allocated
 * per request (Inductor's pool planner keeps outputs in a pool of their own).
 * Reuse plans: the plan's rewritten lines drive a streaming pool, where a reused storage passes
 * from the freed buffer to the new one and other storages are allocated and freed as they come.
 *
 * @param graph the bound graph
 * @param plan its verified plan
 * @param steps what a request executes, in order
 * @param arenas bytes of each per-request arena, in pool order (none for reuse plans)
 * @param compiledKernels whether some step runs a kernel of the model's compiled library
 * @param outputs the graph's output buffers by name, with their bound shapes: found once here,
 *     since scanning the lines for them on every request was 5.1% of a batched GPU server's
 *     samples (session 19); RequestBookkeepingBench, tiny-gpt, warm caches: 0.63 → 0.05 µs
 */
public record ExecutableProgram(Graph graph, Plan plan, List<Step> steps, List<Long> arenas,
    boolean compiledKernels, Map<String, Buffer> outputs) {

  public ExecutableProgram {
    steps = List.copyOf(steps);
    arenas = List.copyOf(arenas);
    outputs = Map.copyOf(outputs);
  }

  /**
   * The bound buffer of output {@code name}.
   *
   * @throws IllegalArgumentException when the graph has no such output
   */
  public Buffer output(String name) {
    Buffer b = outputs.get(name);
    if (b == null) {
      throw new IllegalArgumentException("no output '" + name + "' in " + graph.source());
    }
    return b;
  }

  /**
   * The device bytes admission charges a request of this program whose inputs take
   * {@code inputBytes}: its arenas (offset plans) or its planned peak (reuse plans), plus the
   * inputs. The request's real peak must never exceed it.
   */
  public long chargedBytes(long inputBytes) {
    return (arenaBytes() > 0 ? arenaBytes() : plan.plannedBytes()) + inputBytes;
  }

  /** Bytes of all arenas together. */
  public long arenaBytes() {
    return arenas.stream().mapToLong(Long::longValue).sum();
  }

  /** Compiles {@code plan} of {@code graph} for {@code backend}, every call an ATen operator. */
  public static ExecutableProgram compile(Graph graph, Plan plan, Backend backend) {
    return compile(graph, plan, backend, null);
  }

  /**
   * Compiles {@code plan} of {@code graph} for {@code backend}; calls that name a kernel of
   * {@code natives} (a model's compiled library) run it, the others run ATen operators.
   */
  public static ExecutableProgram compile(Graph graph, Plan plan, Backend backend,
      @Nullable CompiledKernels natives) {
    // Offset plans run the graph's own lines with every storage at its offset; reuse plans run
    // their rewritten lines, allocating what they allocate from the streaming pool.
    List<WrapperLine> lines = switch (plan.kind()) {
      case OFFSETS -> graph.lines();
      case REUSES -> plan.lines();
    };
    Map<String, Placement> placementOf = new HashMap<>();
    Map<String, Integer> poolIndex = new HashMap<>();
    List<Long> arenas = new ArrayList<>();
    if (plan.kind() == Plan.Kind.OFFSETS) {
      Plan.Offsets offsets = plan.asOffsets();
      for (var pool : offsets.pools()) {
        poolIndex.put(pool.name(), arenas.size());
        arenas.add(pool.bytes());
      }
      for (Placement p : offsets.placements()) {
        for (String n : p.names()) {
          placementOf.put(n, p);
        }
      }
    }
    List<Step> steps = new ArrayList<>(lines.size());
    boolean compiled = false;
    for (WrapperLine line : lines) {
      Step step = switch (line.kind()) {
        case ALLOCATE -> {
          Buffer b = ((WrapperLine.AllocateLine) line).node();
          Placement p = placementOf.get(b.name());
          yield p == null ? new Step.Allocate(b.name(), b.bytes(), -1, Step.Allocate.OWN_BUFFER,
              layout(b)) : new Step.Allocate(b.name(), b.bytes(), poolIndex.get(p.pool()),
              p.offset(), layout(b));
        }
        case REUSE -> {
          var r = (WrapperLine.ReuseLine) line;
          yield new Step.Reuse(r.reusedAs().name(), r.node().name(), r.reusedAs().bytes(),
              layout(r.reusedAs()));
        }
        case REINTERPRET -> {
          var v = (WrapperLine.ReinterpretLine) line;
          Buffer view = v.reusedAs();
          yield new Step.View(view.name(), v.node().name(),
              v.offset() * view.dtype().itemSize(), layout(view));
        }
        case FREE_IF_NOT_REUSED -> {
          var f = (WrapperLine.FreeIfNotReusedLine) line;
          yield f.isReused() ? null : new Step.Free(f.node().name(), f.node().bytes());
        }
        case KERNEL_CALL -> {
          var k = (WrapperLine.KernelCallLine) line;
          boolean own = natives != null && natives.has(k.kernelName());
          compiled |= own;
          yield new Step.Launch(k.kernelName(),
              own ? backend.prepareNative(natives, k) : backend.prepare(k));
        }
        case NULL, FREE, KERNEL_DEFINITION, EXTERN_KERNEL_OUT, EXTERN_KERNEL_ALLOC, MULTI_OUTPUT,
            COMMENT, ENTER_SUBGRAPH, EXIT_SUBGRAPH, ENTER_DEVICE_CONTEXT, EXIT_DEVICE_CONTEXT,
            COMM_BUFFER_ALLOCATE, COMM_BUFFER_FREE, UNBACKED_SYMBOL_DEFS, ALLOC_FROM_POOL,
            DEALLOC_FROM_POOL, TEXT -> null; // nothing to execute on the CPU backend
      };
      if (step != null) {
        steps.add(step);
      }
    }
    return new ExecutableProgram(graph, plan, steps, arenas, compiled,
        ProgramBinder.buffersNamed(graph, Set.copyOf(graph.outputs())));
  }

  private static Step.Layout layout(Buffer b) {
    long[] shape = b.shape().stream().mapToLong(Long::longValue).toArray();
    long[] stride = b.stride().stream().mapToLong(Long::longValue).toArray();
    if (b.dtype() == null) {
      throw new IllegalStateException("buffer " + b.name() + " has no dtype and cannot execute");
    }
    return new Step.Layout(b.dtype(), shape, stride);
  }
}
