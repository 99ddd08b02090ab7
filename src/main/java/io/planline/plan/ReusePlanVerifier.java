package io.planline.plan;

import io.planline.ir.Buffer;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.ir.WrapperLine.FreeIfNotReusedLine;
import io.planline.ir.WrapperLine.ReuseLine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a reuse plan (rewritten lines plus its {@code reuses} map) by simulating its storages:
 * every reuse the planner made takes a storage that was freed into the pool and not yet taken,
 * under an equal {@link ReuseKey}; no storage ever serves two live buffers; every free marked
 * {@code is_reused} is taken later and every taken free is marked (else the seed's code would
 * {@code del} a buffer it then reuses); and {@code plannedBytes} equals the simulated peak of
 * planned storages. The peak is not compared with the plan's lower bound: the seed pops trailing
 * allocations, which the bound (taken on the unpruned graph) still counts.
 *
 * <p>This is a second reading of the same rules, written apart from {@code greedy.WholePeak} and the
 * planners so that a bug in one does not hide in the other.
 */
public final class ReusePlanVerifier {

  private ReusePlanVerifier() {}

  /**
   * Verifies {@code plan}, made for {@code graph}.
   *
   * @throws IllegalStateException describing the first violation found
   */
  public static void verify(Graph graph, Plan.Reuses plan) {
    new Run(graph, plan).check();
  }

  private enum State { LIVE, POOLED, RELEASED }

  /**
   * One storage as the simulation sees it. Storages the planner did not allocate (extern kernel
   * and multi-output results) enter the pool too when freed; once a planned buffer takes one, it
   * counts towards the planned peak from the line that freed it into the pool.
   */
  private static final class Storage {
    final long bytes;
    int plannedFrom;
    int pooledAt = -1;
    final List<String> names = new ArrayList<>();
    State state = State.LIVE;
    int last = -1;
    Buffer pooledAs;

    Storage(Buffer node, int first, boolean planned) {
      this.plannedFrom = planned ? first : -1;
      this.bytes = node.sized() ? node.bytes() : 0;
      this.pooledAs = node;
      names.add(node.name());
    }
  }

  private static final class Run {
    private final Graph graph;
    private final Plan.Reuses plan;
    private final String who;
    private final Map<String, Storage> byName = new HashMap<>();
    private final Map<String, Storage> released = new HashMap<>();
    private final List<Storage> all = new ArrayList<>();
    private final Set<String> takenFrees = new HashSet<>();
    private int plannerReuses;

    Run(Graph graph, Plan.Reuses plan) {
      this.graph = graph;
      this.plan = plan;
      this.who = plan.planner() + " on " + plan.source();
    }

    void check() {
      List<WrapperLine> lines = plan.lines();
      for (int i = 0; i < lines.size(); i++) {
        WrapperLine line = lines.get(i);
        if (line instanceof WrapperLine.AllocateLine a) {
          allocate(a.node(), i);
        } else if (line instanceof FreeIfNotReusedLine f) {
          free(f, i);
        } else if (line instanceof ReuseLine r) {
          reuse(r, i);
        } else if (line instanceof WrapperLine.AllocFromPoolLine p && p.node() != null) {
          // output code already placed in pools: still a planned storage for the peak
          allocate(p.node(), i);
        } else if (line instanceof WrapperLine.DeallocFromPoolLine d && d.node() != null) {
          free(FreeIfNotReusedLine.of(d.node()), i);
        }
      }
      for (Storage s : all) {
        if (s.state == State.POOLED) {
          throw fail("free of %s is marked is_reused but no later allocation takes it",
              s.pooledAs.name());
        }
      }
      if (plannerReuses != plan.reuses().size()) {
        throw fail("reuses lists %d decisions but the lines carry %d of them", plan.reuses().size(),
            plannerReuses);
      }
      long peak = peak(lines.size());
      if (peak != plan.plannedBytes()) {
        throw fail("planned bytes %d differ from the simulated peak %d", plan.plannedBytes(), peak);
      }
    }

    private void allocate(Buffer node, int line) {
      if (graph.removedBuffers().contains(node.name())) {
        return; // not a planned storage (Liveness skips it too); plans that never rewrote lines
      }
      if (byName.containsKey(node.name())) {
        throw fail("line %d allocates %s while its name still holds a storage", line, node.name());
      }
      byName.put(node.name(), storage(node, line, true));
    }

    private Storage storage(Buffer node, int line, boolean planned) {
      Storage s = new Storage(node, line, planned);
      all.add(s);
      return s;
    }

    private void free(FreeIfNotReusedLine free, int line) {
      String name = free.node().name();
      Storage s = byName.get(name);
      if (s == null) {
        if (released.containsKey(name)) {
          throw fail("line %d frees %s twice", line, name);
        }
        // allocated by something else (an extern kernel, a multi-output result)
        s = storage(free.node(), line, false);
        byName.put(name, s);
      }
      if (s.state != State.LIVE) {
        throw fail("line %d frees %s, which is already %s", line, name, s.state);
      }
      boolean pooled = !free.aliasesOutput() && !free.multiOutput();
      if (free.isReused() && !pooled) {
        throw fail("line %d marks %s is_reused, but it aliases an output or is multi-output",
            line, name);
      }
      s.pooledAs = free.node();
      if (free.isReused()) {
        s.state = State.POOLED;
        s.pooledAt = line;
      } else {
        s.state = State.RELEASED;
        s.last = line;
        byName.remove(name);
        released.put(name, s);
      }
    }

    private void reuse(ReuseLine reuse, int line) {
      String old = reuse.node().name();
      String now = reuse.reusedAs().name();
      boolean byPlanner = old.equals(plan.reuses().get(now));
      Storage s = byName.containsKey(old) ? byName.get(old) : released.get(old);
      if (byPlanner) {
        plannerReuses++;
        if (!takenFrees.add(old)) {
          throw fail("line %d: %s takes %s, which was already taken", line, now, old);
        }
        if (s == null) {
          throw fail("line %d: %s takes %s, which nothing freed", line, now, old);
        }
        if (s.state != State.POOLED) {
          throw fail("line %d: %s takes %s, which is %s, not freed into the pool", line, now, old,
              s.state == State.LIVE ? "still live" : "released without is_reused");
        }
        if (!ReuseKey.of(s.pooledAs).equals(ReuseKey.of(reuse.reusedAs()))) {
          throw fail("line %d: %s %s takes %s %s: keys differ", line, now,
              ReuseKey.of(reuse.reusedAs()), old, ReuseKey.of(s.pooledAs));
        }
      } else if (s == null) {
        // an in-place reuse of a graph input, an extern kernel's output or a removed buffer
        s = storage(reuse.node(), line, false);
      } else if (s.state != State.LIVE) {
        throw fail("line %d: in-place reuse of %s as %s after it was freed", line, old, now);
      }
      if (byName.containsKey(now)) {
        throw fail("line %d: %s takes a storage while its name still holds another", line, now);
      }
      if (byPlanner && s.plannedFrom < 0) {
        s.plannedFrom = s.pooledAt;
      }
      byName.remove(old);
      byName.put(now, s);
      s.names.add(now);
      s.state = State.LIVE;
    }

    private long peak(int lines) {
      Set<String> outputs = new HashSet<>(graph.outputs());
      long[] delta = new long[lines + 1];
      for (Storage s : all) {
        if (s.plannedFrom < 0) {
          continue;
        }
        boolean toEnd = s.last < 0 || s.names.stream().anyMatch(outputs::contains);
        delta[s.plannedFrom] += s.bytes;
        delta[(toEnd ? lines - 1 : s.last) + 1] -= s.bytes;
      }
      long live = 0;
      long peak = 0;
      for (int i = 0; i < lines; i++) {
        live += delta[i];
        peak = Math.max(peak, live);
      }
      return peak;
    }

    private IllegalStateException fail(String format, Object... args) {
      return new IllegalStateException(who + ": " + String.format(format, args));
    }
  }
}
