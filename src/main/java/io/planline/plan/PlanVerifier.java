package io.planline.plan;

import io.planline.ir.Graph;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks that an offset plan is safe to execute: every planned storage placed exactly once, at an
 * aligned offset, with at least its bytes, inside its pool, and no two storages live at the same
 * line overlapping in bytes. A plan that fails is a planner bug and is never executed.
 */
public final class PlanVerifier {

  private PlanVerifier() {}

  /**
   * Verifies {@code plan} against {@code graph}'s live ranges.
   *
   * @throws IllegalStateException describing the first violation found
   */
  public static void verify(Graph graph, Plan plan, int alignment) {
    // a switch expression, so that a new family of plan breaks compilation here
    Runnable check = switch (plan.kind()) {
      case OFFSETS -> () -> verifyPlacements(Liveness.of(graph), plan.asOffsets(), alignment);
      // reuse plans place no offsets: checked by simulating their storages
      case REUSES -> () -> ReusePlanVerifier.verify(graph, plan.asReuses());
    };
    check.run();
  }

  /** Verifies placements against explicit ranges (CSV instances have no lines). */
  public static void verifyPlacements(List<LiveRange> ranges, Plan.Offsets plan, int alignment) {
    String who = plan.planner() + " on " + plan.source();
    Map<String, Pool> pools = new HashMap<>();
    for (Pool p : plan.pools()) {
      if (pools.put(p.name(), p) != null) {
        throw new IllegalStateException(who + ": pool " + p.name() + " appears twice");
      }
    }
    Map<String, Placement> byBuffer = new HashMap<>();
    for (Placement p : plan.placements()) {
      if (byBuffer.put(p.buffer(), p) != null) {
        throw new IllegalStateException(who + ": " + p.buffer() + " is placed twice");
      }
      Pool pool = pools.get(p.pool());
      if (pool == null) {
        throw new IllegalStateException(who + ": " + p.buffer() + " is in unknown pool " + p.pool());
      }
      if (p.offset() % alignment != 0) {
        throw new IllegalStateException(who + ": " + p.buffer() + " at offset " + p.offset()
            + " is not " + alignment + "-byte aligned");
      }
      if (p.end() > pool.bytes()) {
        throw new IllegalStateException(who + ": " + p.buffer() + " ends at " + p.end()
            + " beyond pool " + pool.name() + " of " + pool.bytes() + " bytes");
      }
    }
    if (byBuffer.size() != ranges.size()) {
      throw new IllegalStateException(who + ": " + byBuffer.size() + " placements for "
          + ranges.size() + " planned storages");
    }
    List<Placement> placed = new ArrayList<>(ranges.size());
    for (LiveRange r : ranges) {
      Placement p = byBuffer.get(r.name());
      if (p == null) {
        throw new IllegalStateException(who + ": storage " + r.name() + " is not placed");
      }
      if (p.bytes() < r.bytes()) {
        throw new IllegalStateException(who + ": " + r.name() + " needs " + r.bytes()
            + " bytes but was given " + p.bytes());
      }
      if (!p.names().equals(r.names())) {
        throw new IllegalStateException(who + ": " + r.name() + " is placed under names "
            + p.names() + " but carries " + r.names());
      }
      if (p.firstLine() != r.firstLine() || p.lastLine() != r.lastLine()) {
        throw new IllegalStateException(who + ": " + r.name() + " placed for lines ["
            + p.firstLine() + ", " + p.lastLine() + "] but live for [" + r.firstLine() + ", "
            + r.lastLine() + "]");
      }
      placed.add(p);
    }
    checkNoOverlap(placed, who);
    long total = plan.pools().stream().mapToLong(Pool::bytes).sum();
    if (total != plan.plannedBytes()) {
      throw new IllegalStateException(who + ": planned bytes " + plan.plannedBytes()
          + " differ from the pools' total " + total);
    }
  }

  /**
   * Sweeps time; the live placements of a pool are kept in a map ordered by offset, so an insertion
   * only needs its two neighbours checked (live placements never overlap each other).
   */
  private static void checkNoOverlap(List<Placement> placed, String who) {
    List<Placement> byStart = new ArrayList<>(placed);
    byStart.sort(Comparator.comparingInt(Placement::firstLine));
    List<Placement> byEnd = new ArrayList<>(placed);
    byEnd.sort(Comparator.comparingInt(Placement::lastLine));
    Map<String, TreeMap<Long, Placement>> live = new HashMap<>();
    int e = 0;
    for (Placement p : byStart) {
      // Retire storages whose last line is before p's first line (inclusive ranges).
      while (e < byEnd.size() && byEnd.get(e).lastLine() < p.firstLine()) {
        Placement done = byEnd.get(e++);
        TreeMap<Long, Placement> m = live.get(done.pool());
        if (m != null && m.get(done.offset()) == done) {
          m.remove(done.offset());
        }
      }
      if (p.bytes() == 0) {
        continue;
      }
      TreeMap<Long, Placement> m = live.computeIfAbsent(p.pool(), k -> new TreeMap<>());
      var below = m.floorEntry(p.offset());
      if (below != null && below.getValue().end() > p.offset()) {
        throw overlap(who, p, below.getValue());
      }
      var above = m.ceilingEntry(p.offset());
      if (above != null && above.getKey() < p.end()) {
        throw overlap(who, p, above.getValue());
      }
      m.put(p.offset(), p);
    }
  }

  private static IllegalStateException overlap(String who, Placement a, Placement b) {
    return new IllegalStateException(who + ": " + a.buffer() + " [" + a.offset() + ", " + a.end()
        + ") lines [" + a.firstLine() + ", " + a.lastLine() + "] overlaps " + b.buffer() + " ["
        + b.offset() + ", " + b.end() + ") lines [" + b.firstLine() + ", " + b.lastLine() + "]");
  }
}
