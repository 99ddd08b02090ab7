package io.planline.plan.pool;

import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.plan.Decision;
import io.planline.plan.LiveRange;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.Placement;
import io.planline.plan.PlanInput;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanningException;
import io.planline.plan.Pool;
import io.planline.plan.pool.SplitTree.Block;
import io.planline.plan.pool.SplitTree.Spatial;
import io.planline.plan.pool.SplitTree.Temporal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PyTorch Inductor's offset pool planner ({@code memory_planning = True}), re-implemented after
 * the design of {@code torch/_inductor/codegen/memory_planning.py} with its default
 * {@code memory_pool = "intermediates"}.
 *
 * <p>Steps, as Inductor's {@code MemoryPlanner.plan}:
 * <ol>
 *   <li>Storages and their live ranges come from {@link io.planline.plan.Liveness} (one per allocation, in-place
 *       reuses joined: Inductor's {@code BufferGroup}s).
 *   <li>Each graph output gets a pool of its own that cannot grow, smallest first.
 *   <li>The other storages, largest first (longer-lived first among equals), go to the first
 *       pool of their device that takes them; only the device's last pool may grow, and a
 *       storage no pool takes starts a new one. Inside a pool, a {@link SplitTree} places it
 *       first-fit: a temporal split tries the one child that overlaps it in time, else starts a
 *       new turn at its offset; a spatial split tries below, then above.
 *   <li>Offsets follow from the tree: a spatial split's upper part starts at its lower part's
 *       extent rounded up to the alignment (64 bytes, Inductor's {@code ALIGN_BYTES}, by default).
 * </ol>
 *
 * <p>One deliberate difference: Inductor measures time in "timesteps" (a run of consecutive
 * memory lines is one step), so a storage freed in the same run in which another is allocated
 * never overlaps it, even when the free comes after the allocation. Here time is line indices,
 * the unit {@link io.planline.plan.PlanVerifier} checks, so such a pair is kept apart; timesteps
 * still order storages of equal size, as in Inductor. No run of any captured or shared trace
 * allocates before it frees, and there every storage lands in Inductor's pool at Inductor's
 * offset ({@code InductorPoolFidelityTest}).
 */
public final class InductorPoolPlanner implements MemoryPlanner {

  @Override
  public String name() {
    return "inductor-pool";
  }

  @Override
  public String description() {
    return "PyTorch Inductor's pool planner: largest first, first fit in a temporal/spatial "
        + "split tree, one growing pool per device";
  }

  @Override
  public Decision decide(PlanInput input) {
    Graph graph = input.graph();
    PlanOptions options = input.options();
    List<LiveRange> ranges = input.ranges();
    int[] steps = timesteps(graph.lines());
    int endStep = (steps.length == 0 ? 0 : steps[steps.length - 1]) + 1;
    Set<String> outputNames = new HashSet<>(graph.outputs());
    List<Block> outputs = new ArrayList<>();
    List<Block> intermediates = new ArrayList<>();
    for (LiveRange r : ranges) {
      boolean output = r.names().stream().anyMatch(outputNames::contains);
      long begin = steps[r.firstLine()];
      long end = output ? endStep : steps[r.lastLine()];
      // [first, last + 1) in lines: two ranges overlap exactly when they share a line
      Block b = new Block(r, LiveIntervals.of(r.firstLine(), r.lastLine() + 1L), end - begin,
          output);
      (output ? outputs : intermediates).add(b);
    }
    outputs.sort(Comparator.<Block>comparingLong(b -> b.size)
        .thenComparing(Comparator.<Block>comparingLong(b -> b.length).reversed()));
    intermediates.sort(Comparator.<Block>comparingLong(b -> b.size).reversed()
        .thenComparing(Comparator.<Block>comparingLong(b -> b.length).reversed()));

    int alignment = options.alignment();
    Map<Device, List<PoolState>> pools = new LinkedHashMap<>();
    for (Block b : outputs) {
      // outputs get pools of their own so that each is freed with its output
      b.markAllocated();
      pools.computeIfAbsent(b.range.device(), d -> new ArrayList<>())
          .add(new PoolState(b, false, alignment));
    }
    for (Block b : intermediates) {
      allocate(b, pools.computeIfAbsent(b.range.device(), d -> new ArrayList<>()), alignment);
    }
    return result(graph, ranges, pools, options);
  }

  /** Inductor's {@code AllocationPools.allocate}. */
  private static void allocate(Block b, List<PoolState> pools, int alignment) {
    for (int i = 0; i < pools.size(); i++) {
      if (pools.get(i).allocate(b, i == pools.size() - 1, alignment)) {
        return;
      }
    }
    b.markAllocated();
    pools.add(new PoolState(b, true, alignment));
  }

  private Decision result(Graph graph, List<LiveRange> ranges, Map<Device, List<PoolState>> pools,
      PlanOptions options) {
    List<Pool> planned = new ArrayList<>();
    Map<PoolState, Pool> named = new LinkedHashMap<>();
    long total = 0;
    for (var e : pools.entrySet()) {
      for (PoolState p : e.getValue()) {
        Pool pool = new Pool("pool" + planned.size(), e.getKey(), p.root.extent());
        planned.add(pool);
        named.put(p, pool);
        total += pool.bytes();
        p.root.place(0);
      }
    }
    Map<String, Placement> byName = new LinkedHashMap<>();
    for (var e : named.entrySet()) {
      for (Block b : e.getKey().blocks) {
        Pool pool = e.getValue();
        long reserved =
            Math.min(b.range.alignedBytes(options.alignment()), pool.bytes() - b.offset);
        byName.put(b.range.name(), Placement.of(b.range, pool.name(), b.offset, reserved));
      }
    }
    List<Placement> placements = new ArrayList<>(ranges.size());
    for (LiveRange r : ranges) {
      Placement p = byName.get(r.name());
      if (p == null) {
        throw new IllegalStateException(name() + ": storage " + r.name() + " was never placed");
      }
      placements.add(p);
    }
    if (options.capacityBytes() > 0 && total > options.capacityBytes()) {
      throw new PlanningException(name() + " needs " + total + " bytes for " + graph.source()
          + ", more than the capacity of " + options.capacityBytes() + " bytes");
    }
    return Decision.offsets(planned, placements, graph.lines(), false);
  }

  /**
   * Inductor's timesteps ({@code MemoryPlanner.compute_live_ranges}): each run of consecutive
   * memory-planning lines is one step; other lines carry the step of the run before them.
   *
   * <p>"Memory-planning line" is Inductor's class {@code MemoryPlanningLine}: allocate, free if
   * not reused, reuse, reinterpret, null, and the pool lines. A graph input's {@code FreeLine}
   * and the comm-buffer lines derive from the plain {@code WrapperLine}, so they end a run
   * like a kernel call does. (The older Inductor that {@code greedy} reproduces derived
   * {@code FreeLine} from {@code MemoryPlanningLine}; the Inductor whose pool planner this is,
   * 2.11 to 2.13, does not.) Counting it as a memory line merged or split runs unlike Inductor,
   * which changed live ranges in steps and so reordered equal-sized storages.
   */
  static int[] timesteps(List<WrapperLine> lines) {
    int[] steps = new int[lines.size()];
    int step = 0;
    boolean inRun = false;
    for (int i = 0; i < lines.size(); i++) {
      boolean memory = switch (lines.get(i).kind()) {
        case ALLOCATE, FREE_IF_NOT_REUSED, REUSE, NULL, REINTERPRET, ALLOC_FROM_POOL,
            DEALLOC_FROM_POOL -> true;
        case FREE, COMM_BUFFER_ALLOCATE, COMM_BUFFER_FREE, KERNEL_CALL, KERNEL_DEFINITION,
            EXTERN_KERNEL_OUT, EXTERN_KERNEL_ALLOC, MULTI_OUTPUT, COMMENT, ENTER_SUBGRAPH,
            EXIT_SUBGRAPH, ENTER_DEVICE_CONTEXT, EXIT_DEVICE_CONTEXT, UNBACKED_SYMBOL_DEFS,
            TEXT -> false;
      };
      if (memory && !inRun) {
        step++;
      }
      inRun = memory;
      steps[i] = step;
    }
    return steps;
  }

  /** One pool being filled: Inductor's {@code AllocationPool}, without unbacked-size limits. */
  private static final class PoolState {
    Temporal root;
    final boolean canExpand;
    final List<Block> blocks = new ArrayList<>();

    /** A pool holding {@code first} alone. */
    PoolState(Block first, boolean canExpand, int alignment) {
      this.root = new Temporal(List.of(first), alignment);
      this.canExpand = canExpand;
      blocks.add(first);
    }

    boolean allocate(Block b, boolean isLast, int alignment) {
      boolean mayGrow = canExpand && isLast;
      if (root.allocate(b, mayGrow)) {
        blocks.add(b);
        return true;
      }
      if (!mayGrow) {
        return false;
      }
      // nothing fits: stack the block on top of everything (Inductor's allocate_at_end)
      b.markAllocated();
      root = new Temporal(List.of(new Spatial(root, new Temporal(List.of(b), alignment),
          alignment)), alignment);
      blocks.add(b);
      return true;
    }
  }
}
