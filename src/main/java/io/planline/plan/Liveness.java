package io.planline.plan;

import io.planline.ir.Buffer;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a graph's wrapper lines into the live ranges of the storages a planner must place: the
 * driver half of the driver/strategy split (XLA's heap simulator).
 *
 * <p>Rules, from the traces README: a storage lives from its {@code AllocateLine} to its
 * {@code FreeIfNotReusedLine}, both inclusive; an in-place {@code ReuseLine} continues the same
 * storage under the new name; storages named as graph outputs, or never freed, live to the last
 * line; removed buffers are not planned. Allocations from a pool ({@code AllocFromPoolLine} with a
 * buffer) count as allocations, so an already-planned program yields the same ranges. On lines a
 * reuse planner rewrote, a storage taken by a later allocation stays one range under both names.
 */
public final class Liveness {

  private Liveness() {}

  /** The live ranges of {@code graph}'s planned storages, in allocation order. */
  public static List<LiveRange> of(Graph graph) {
    List<WrapperLine> lines = graph.lines();
    int end = Math.max(0, lines.size() - 1);
    Set<String> removed = graph.removedBuffers();
    List<Open> order = new ArrayList<>();
    Map<String, Open> byName = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      WrapperLine line = lines.get(i);
      switch (line.kind()) {
        case ALLOCATE -> open(((WrapperLine.AllocateLine) line).node(), i, removed, order, byName);
        case ALLOC_FROM_POOL -> {
          Buffer node = ((WrapperLine.AllocFromPoolLine) line).node();
          if (node != null) {
            open(node, i, removed, order, byName);
          }
        }
        case REUSE -> {
          var reuse = (WrapperLine.ReuseLine) line;
          Open storage = byName.remove(reuse.node().name());
          if (storage != null && !removed.contains(reuse.reusedAs().name())) {
            storage.names.add(reuse.reusedAs().name());
            byName.put(reuse.reusedAs().name(), storage);
          }
        }
        case FREE_IF_NOT_REUSED -> {
          // A free whose storage a later allocation took prints nothing: the storage lives on
          // under the new name (this is how a reuse planner's rewritten lines read).
          var free = (WrapperLine.FreeIfNotReusedLine) line;
          if (!free.isReused()) {
            close(free.node(), i, byName);
          }
        }
        case DEALLOC_FROM_POOL -> {
          Buffer node = ((WrapperLine.DeallocFromPoolLine) line).node();
          if (node != null) {
            close(node, i, byName);
          }
        }
        case NULL, REINTERPRET, FREE, KERNEL_CALL, KERNEL_DEFINITION, EXTERN_KERNEL_OUT,
            EXTERN_KERNEL_ALLOC, MULTI_OUTPUT, COMMENT, ENTER_SUBGRAPH, EXIT_SUBGRAPH,
            ENTER_DEVICE_CONTEXT, EXIT_DEVICE_CONTEXT, COMM_BUFFER_ALLOCATE, COMM_BUFFER_FREE,
            UNBACKED_SYMBOL_DEFS, TEXT -> {
          // no planned storage starts or ends here
        }
      }
    }
    Set<String> outputs = new HashSet<>(graph.outputs());
    List<LiveRange> ranges = new ArrayList<>(order.size());
    for (Open o : order) {
      boolean isOutput = o.names.stream().anyMatch(outputs::contains);
      int last = (o.last < 0 || isOutput) ? end : o.last;
      ranges.add(new LiveRange(o.names.get(0), o.names, o.buffer.device(), o.buffer.bytes(),
          o.first, last));
    }
    return ranges;
  }

  private static void open(Buffer node, int line, Set<String> removed, List<Open> order,
      Map<String, Open> byName) {
    if (removed.contains(node.name()) || !node.sized()) {
      return;
    }
    Open o = new Open(node, line);
    order.add(o);
    byName.put(node.name(), o);
  }

  private static void close(Buffer node, int line, Map<String, Open> byName) {
    Open o = byName.get(node.name());
    if (o != null && o.last < 0) {
      o.last = line;
    }
  }

  /** A storage whose range is being built. */
  private static final class Open {
    final Buffer buffer;
    final int first;
    final List<String> names = new ArrayList<>();
    int last = -1;

    Open(Buffer buffer, int first) {
      this.buffer = buffer;
      this.first = first;
      names.add(buffer.name());
    }
  }
}
