package io.planline.plan.greedy;

import io.planline.ir.Buffer;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.ir.WrapperLine.FreeIfNotReusedLine;
import io.planline.ir.WrapperLine.ReuseLine;
import io.planline.plan.greedy.HeldStorage.Origin;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Simulates what the device really holds while a (planned or unplanned) wrapper program runs: the
 * "whole" figures of {@code shared/traces/README.md}.
 *
 * <p>Storages counted: planned ones ({@code AllocateLine}), and those something other than the
 * planner allocates: extern kernel outputs ({@code ExternKernelAllocLine}), each
 * {@code MultiOutputLine} result, fallback kernels written as a text line {@code bufN = ...},
 * collective buffers, and donated graph inputs, i.e. inputs the graph overwrites in place (a
 * {@code ReuseLine} whose old buffer is an input), held from line 0. Inputs the graph only drops
 * with a {@code FreeLine} are not counted: their caller still holds them (counting them breaks 7
 * of the 16 trace graphs' expected figures, e.g. the inference graphs' weights).
 *
 * <p>A storage is held from the line that creates it to the line that frees it, both inclusive;
 * a {@code ReuseLine} carries it over to the new name, so a storage taken from the reuse pool stays
 * held from its first allocation to its final free. A {@code FreeIfNotReusedLine} whose buffer a
 * later {@code ReuseLine} takes frees nothing (the seed marks such lines {@code is_reused}; the
 * look-ahead also covers lines that lack the mark, as before {@code markTaken} runs). Storages never freed, or named
 * as graph outputs, live to the last line. Sizes come from the creating line when it carries a
 * sized buffer, else from the line that frees the storage, else 0. The whole figure rounds every
 * storage up to {@value #CUDA_BLOCK_BYTES} bytes, as the CUDA caching allocator does.
 */
public final class WholePeak {

  /** The CUDA caching allocator's rounding unit. */
  public static final int CUDA_BLOCK_BYTES = 512;

  private static final Pattern ASSIGNMENT = Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*) = ");

  private WholePeak() {}

  /** The whole-program peak of {@code graph}'s lines: every storage, rounded to 512 bytes. */
  public static long peak(Graph graph) {
    return max(profile(graph));
  }

  /**
   * Bytes the device holds at each line of {@code graph} (whole figure, 512-byte rounding); on
   * unplanned lines its maximum is the whole lower bound.
   */
  public static long[] profile(Graph graph) {
    return profile(storages(graph), graph.lines().size(), h -> true, CUDA_BLOCK_BYTES);
  }

  /**
   * Peak of the storages planned buffers live in, each from {@link HeldStorage#plannedFrom()} to
   * its last line, in raw bytes: a reuse plan's {@code plannedBytes}. Every planned buffer's live
   * range lies inside a counted storage, so the figure is never below the planned lower bound.
   */
  public static long plannedPeak(Graph graph) {
    List<HeldStorage> planned = new ArrayList<>();
    for (HeldStorage h : storages(graph)) {
      if (h.planned()) {
        planned.add(new HeldStorage(h.name(), h.names(), h.origin(), h.plannedFrom(), h.bytes(),
            h.plannedFrom(), h.lastLine()));
      }
    }
    return max(profile(planned, graph.lines().size(), h -> true, 1));
  }

  /** Rounds {@code bytes} up to the CUDA caching allocator's block. */
  public static long rounded(long bytes) {
    return (bytes + CUDA_BLOCK_BYTES - 1) / CUDA_BLOCK_BYTES * CUDA_BLOCK_BYTES;
  }

  /** Every storage held over {@code graph}'s lines, in creation order. */
  public static List<HeldStorage> storages(Graph graph) {
    return new Sweep(graph).run();
  }

  private static long[] profile(List<HeldStorage> held, int lines,
      Predicate<HeldStorage> counted, int unit) {
    long[] delta = new long[lines + 1];
    for (HeldStorage h : held) {
      if (counted.test(h)) {
        long b = (h.bytes() + unit - 1) / unit * unit;
        delta[h.firstLine()] += b;
        delta[h.lastLine() + 1] -= b;
      }
    }
    long[] live = new long[lines];
    long sum = 0;
    for (int i = 0; i < lines; i++) {
      sum += delta[i];
      live[i] = sum;
    }
    return live;
  }

  private static long max(long[] values) {
    long m = 0;
    for (long v : values) {
      m = Math.max(m, v);
    }
    return m;
  }

  /** One pass over the lines, binding names to open storages. */
  private static final class Sweep {
    private final Graph graph;
    private final Map<String, Buffer> inputs = new HashMap<>();
    private final Map<String, Integer> lastTaken = new HashMap<>();
    private final Map<String, Open> byName = new HashMap<>();
    private final List<Open> order = new ArrayList<>();

    Sweep(Graph graph) {
      this.graph = graph;
      graph.inputs().forEach(b -> inputs.put(b.name(), b));
      List<WrapperLine> lines = graph.lines();
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i) instanceof ReuseLine r) {
          lastTaken.put(r.node().name(), i);
        }
      }
    }

    List<HeldStorage> run() {
      List<WrapperLine> lines = graph.lines();
      for (int i = 0; i < lines.size(); i++) {
        step(lines.get(i), i);
      }
      Set<String> outputs = new HashSet<>(graph.outputs());
      int end = lines.size() - 1;
      List<HeldStorage> held = new ArrayList<>(order.size());
      for (Open o : order) {
        boolean toEnd = o.last < 0 || o.names.stream().anyMatch(outputs::contains);
        held.add(new HeldStorage(o.names.get(0), o.names, o.origin, o.plannedFrom,
            Math.max(0, o.bytes), o.first, toEnd ? end : o.last));
      }
      return held;
    }

    private void step(WrapperLine line, int i) {
      switch (line.kind()) {
        case ALLOCATE -> {
          Buffer node = ((WrapperLine.AllocateLine) line).node();
          if (!graph.removedBuffers().contains(node.name())) {
            open(node.name(), Origin.PLANNED, node.bytes(), i);
          }
        }
        case ALLOC_FROM_POOL -> {
          Buffer node = ((WrapperLine.AllocFromPoolLine) line).node();
          if (node != null) {
            open(node.name(), Origin.PLANNED, node.bytes(), i);
          }
        }
        case EXTERN_KERNEL_ALLOC -> {
          Buffer node = ((WrapperLine.ExternKernelAllocLine) line).node();
          open(node.name(), Origin.EXTERN_KERNEL, node.bytes(), i);
        }
        case MULTI_OUTPUT -> open(((WrapperLine.MultiOutputLine) line).resultName(),
            Origin.MULTI_OUTPUT, Buffer.UNKNOWN, i);
        case COMM_BUFFER_ALLOCATE -> {
          Buffer node = ((WrapperLine.CommBufferAllocateLine) line).node();
          open(node.name(), Origin.COMM_BUFFER, node.bytes(), i);
        }
        case TEXT -> {
          String name = assigned(((WrapperLine.TextLine) line).text());
          if (name != null && !byName.containsKey(name)) {
            open(name, Origin.FALLBACK_KERNEL, Buffer.UNKNOWN, i);
          }
        }
        case REUSE -> carryOver((ReuseLine) line);
        case FREE_IF_NOT_REUSED -> {
          var free = (FreeIfNotReusedLine) line;
          boolean takenLater = lastTaken.getOrDefault(free.node().name(), -1) > i;
          Open o = byName.get(free.node().name());
          if (free.isReused() || takenLater) {
            if (o != null) {
              o.pooledAt = i;
              // a storage of unknown size (a multi-output or fallback result) is sized by the
              // line that frees it; when a planned buffer takes it, this free is the only such
              // line, as the taker may live to the end (then it counted as 0 bytes)
              learnSize(o, free.node());
            }
          } else {
            close(free.node(), i);
          }
        }
        case DEALLOC_FROM_POOL -> {
          Buffer node = ((WrapperLine.DeallocFromPoolLine) line).node();
          if (node != null) {
            close(node, i);
          }
        }
        case FREE -> close(((WrapperLine.FreeLine) line).node(), i);
        case COMM_BUFFER_FREE -> close(((WrapperLine.CommBufferFreeLine) line).node(), i);
        case NULL, REINTERPRET, KERNEL_CALL, KERNEL_DEFINITION, EXTERN_KERNEL_OUT, COMMENT,
            ENTER_SUBGRAPH, EXIT_SUBGRAPH, ENTER_DEVICE_CONTEXT, EXIT_DEVICE_CONTEXT,
            UNBACKED_SYMBOL_DEFS -> {
          // views, launches and markers hold no storage of their own
        }
      }
    }

    /** The new name takes over the old one's storage; an input taken in place is donated. */
    private void carryOver(ReuseLine reuse) {
      String old = reuse.node().name();
      Open o = byName.remove(old);
      if (o == null) {
        Buffer input = inputs.get(old);
        if (input == null) {
          return; // a removed buffer's reuse, or a name nothing here allocated
        }
        long bytes = reuse.node().sized() ? reuse.node().bytes() : input.bytes();
        o = open(old, Origin.DONATED_INPUT, bytes, 0);
        byName.remove(old);
      }
      if (o.pooledAt >= 0) {
        // taken from the pool: a planned allocation lives in it, held for it since the free
        if (o.plannedFrom < 0) {
          o.plannedFrom = o.pooledAt;
        }
        o.pooledAt = -1;
      }
      o.names.add(reuse.reusedAs().name());
      byName.put(reuse.reusedAs().name(), o);
    }

    private Open open(String name, Origin origin, long bytes, int line) {
      Open o = new Open(name, origin, bytes, line);
      order.add(o);
      byName.put(name, o);
      return o;
    }

    private void close(Buffer node, int line) {
      Open o = byName.remove(node.name());
      if (o != null && o.last < 0) {
        o.last = line;
        learnSize(o, node);
      }
    }

    /** Gives {@code o} the size of {@code node} when no earlier line gave it one. */
    private static void learnSize(Open o, Buffer node) {
      if (o.bytes < 0 && node.sized()) {
        o.bytes = node.bytes();
      }
    }

    private static @Nullable String assigned(String text) {
      Matcher m = ASSIGNMENT.matcher(text);
      return m.find() ? m.group(1) : null;
    }
  }

  /** A storage being built. */
  private static final class Open {
    final Origin origin;
    final int first;
    final List<String> names = new ArrayList<>();
    long bytes;
    int last = -1;
    int plannedFrom;
    int pooledAt = -1;

    Open(String name, Origin origin, long bytes, int first) {
      this.origin = origin;
      this.plannedFrom = origin == Origin.PLANNED ? first : -1;
      this.bytes = bytes;
      this.first = first;
      names.add(name);
    }
  }
}
