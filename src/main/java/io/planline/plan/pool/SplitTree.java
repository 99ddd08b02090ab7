package io.planline.plan.pool;

import static java.util.Objects.requireNonNull;

import io.planline.plan.LiveRange;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The nodes of one pool's temporal/spatial split tree, after Inductor's
 * {@code torch/_inductor/codegen/memory_planning.py}.
 *
 * <pre>
 *   bytes ▲  TemporalSplit: children take turns in time at the same offset
 *         │  ┌──────────────┬───────────┐
 *         │  │   block A    │  block C  │   SpatialSplit: left below, right stacked on top
 *         │  ├──────────────┤           │   at align(left's extent)
 *         │  │ B │  (empty) │           │
 *         │  └──────────────┴───────────┘
 *         └───────────────────────────────► time
 * </pre>
 *
 * <p>Every node knows its size hint (the bytes it reserves, counting empty space) and its extent
 * (Inductor's symbolic size: the bytes its real blocks reach, with empty space counted as 0). The
 * pool is as large as its root's extent; offsets are assigned from extents. Parents cache both
 * and drop the caches when an allocation succeeds below them, as Inductor's
 * {@code ClearCacheOnAllocateMixin} does.
 */
final class SplitTree {

  private SplitTree() {}

  /**
   * A node's cached live time after {@code block} was placed below it: the block is all that
   * changed there (growing only wraps children with empty space, which is never live), so one
   * interval is inserted rather than the union of the children recomputed, as Inductor does, on
   * every node of the path of every allocation.
   */
  private static @Nullable LiveIntervals withBlock(@Nullable LiveIntervals live, Block block) {
    return live == null ? null : live.with(block.live);
  }

  /** A node of the tree. */
  abstract static class Node {
    /** Tries to place {@code block} in this subtree; {@code isLast} lets it grow. */
    boolean allocate(Block block, boolean isLast) {
      return false;
    }

    abstract LiveIntervals live();

    abstract long hint();

    abstract long extent();

    /** Assigns byte offsets to the blocks below, this node starting at {@code offset}. */
    abstract void place(long offset);

    boolean isEmpty() {
      return false;
    }
  }

  /** One storage to place: Inductor's {@code Allocation}. */
  static final class Block extends Node {
    final LiveRange range;
    final long size;
    final LiveIntervals live;
    final long length;
    final boolean output;
    private boolean allocated;
    long offset = -1;

    /**
     * Requires: {@code live} non-empty; {@code length} is the range's length in Inductor's
     * timesteps (its sort key).
     */
    Block(LiveRange range, LiveIntervals live, long length, boolean output) {
      this.range = requireNonNull(range, "range");
      this.size = range.bytes();
      this.live = requireNonNull(live, "live");
      this.length = length;
      this.output = output;
    }

    void markAllocated() {
      if (allocated) {
        throw new IllegalStateException(range.name() + " is allocated twice");
      }
      allocated = true;
    }

    @Override
    LiveIntervals live() {
      return live;
    }

    @Override
    long hint() {
      return size;
    }

    @Override
    long extent() {
      return size;
    }

    @Override
    void place(long at) {
      if (offset >= 0) {
        throw new IllegalStateException(range.name() + " is placed twice");
      }
      offset = at;
    }
  }

  /** Space reserved but unused; counts in the hint only. */
  static final class Empty extends Node {
    private final long size;

    Empty(long size) {
      this.size = size;
    }

    @Override
    LiveIntervals live() {
      return LiveIntervals.EMPTY;
    }

    @Override
    long hint() {
      return size;
    }

    @Override
    long extent() {
      return 0;
    }

    @Override
    void place(long offset) {}

    @Override
    boolean isEmpty() {
      return true;
    }
  }

  /** Children that never overlap in time, all at this node's offset. */
  static final class Temporal extends Node {
    private final int alignment;
    private List<Node> children;
    private @Nullable LiveIntervals live;
    private long hint = -1;
    private long extent = -1;

    /** Children that must not overlap in time; {@code alignment} is for splits made later. */
    Temporal(List<Node> children, int alignment) {
      this.children = new ArrayList<>(children);
      this.alignment = alignment;
    }

    @Override
    boolean allocate(Block block, boolean isLast) {
      long slot = hint();
      if (!isLast && block.size > slot) {
        return false; // does not fit and may not grow
      }
      List<Node> overlapping = new ArrayList<>(2);
      for (Node c : children) {
        if (c.live().overlaps(block.live)) {
          overlapping.add(c);
          if (overlapping.size() > 1) {
            return false; // Inductor does not merge overlapping children in space
          }
        }
      }
      if (overlapping.size() == 1) {
        return clearIf(overlapping.get(0).allocate(block, isLast), block);
      }
      block.markAllocated();
      if (children.size() == 1 && children.get(0) instanceof Empty) {
        children.clear();
      }
      if (slot == block.size) {
        children.add(block);
      } else if (slot > block.size) {
        children.add(Spatial.create(block, slot - block.size, alignment));
      } else {
        // grow: everything already here gets empty space on top up to the new block's size
        List<Node> grown = new ArrayList<>(children.size() + 1);
        for (Node c : children) {
          grown.add(Spatial.create(c, block.size - slot, alignment));
        }
        grown.add(block);
        children = grown;
      }
      return clearIf(true, block);
    }

    private boolean clearIf(boolean allocated, Block block) {
      if (allocated) {
        live = withBlock(live, block);
        hint = -1;
        extent = -1;
      }
      return allocated;
    }

    @Override
    LiveIntervals live() {
      // Plain loops, not streams: these run along the path of every allocation.
      if (live == null) {
        List<LiveIntervals> parts = new ArrayList<>(children.size());
        for (Node c : children) {
          parts.add(c.live());
        }
        live = LiveIntervals.union(parts);
      }
      return live;
    }

    @Override
    long hint() {
      if (hint < 0) {
        long h = 0;
        for (Node c : children) {
          h = Math.max(h, c.hint());
        }
        hint = h;
      }
      return hint;
    }

    @Override
    long extent() {
      if (extent < 0) {
        long x = 0;
        for (Node c : children) {
          x = Math.max(x, c.extent());
        }
        extent = x;
      }
      return extent;
    }

    @Override
    void place(long offset) {
      children.forEach(c -> c.place(offset));
    }

    @Override
    boolean isEmpty() {
      return children.size() == 1 && children.get(0).isEmpty();
    }
  }

  /** Two parts side by side in space: {@code right} starts at {@code align(left.extent())}. */
  static final class Spatial extends Node {
    private final Temporal left;
    private final Temporal right;
    private final int alignment;
    private @Nullable LiveIntervals live;
    private long hint = -1;
    private long extent = -1;

    Spatial(Temporal left, Temporal right, int alignment) {
      this.left = requireNonNull(left, "left");
      this.right = requireNonNull(right, "right");
      this.alignment = alignment;
    }

    /** {@code node} with {@code extra} bytes of empty space above it. Requires: extra ≥ 1. */
    static Spatial create(Node node, long extra, int alignment) {
      if (extra < 1) {
        throw new IllegalArgumentException("spatial split needs extra space >= 1, got " + extra);
      }
      return new Spatial(new Temporal(List.of(node), alignment),
          new Temporal(List.of(new Empty(extra)), alignment), alignment);
    }

    @Override
    boolean allocate(Block block, boolean isLast) {
      boolean ok = left.allocate(block, false) || right.allocate(block, isLast);
      if (ok) {
        live = withBlock(live, block);
        hint = -1;
        extent = -1;
      }
      return ok;
    }

    @Override
    LiveIntervals live() {
      if (live == null) {
        live = LiveIntervals.union(List.of(left.live(), right.live()));
      }
      return live;
    }

    @Override
    long hint() {
      if (hint < 0) {
        hint = LiveRange.align(left.hint(), alignment) + right.hint();
      }
      return hint;
    }

    @Override
    long extent() {
      if (extent < 0) {
        extent = LiveRange.align(left.extent(), alignment) + right.extent();
      }
      return extent;
    }

    @Override
    void place(long offset) {
      left.place(offset);
      right.place(offset + LiveRange.align(left.extent(), alignment));
    }
  }
}
