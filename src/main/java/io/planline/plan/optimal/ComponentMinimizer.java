package io.planline.plan.optimal;

import io.planline.plan.OffsetProblem;
import io.planline.plan.arena.GreedyPortfolio;
import io.planline.plan.arena.Packing;
import io.planline.plan.arena.Sections;
import io.planline.plan.arena.TimeSplit;
import org.jspecify.annotations.Nullable;

/**
 * Anytime minimisation of one component's height: the greedy portfolio gives the first placement,
 * then decisions at lower capacities either find a lower one, prove a capacity impossible, or give
 * up when their time slice ends.
 *
 * <p>Above {@link ExactSearch#SIZE_LIMIT} buffers there is no search: each step is one more
 * skyline pass over a locally shuffled order, keeping the lowest (on pangu_2.6B such a pass
 * reaches the bound where the plain orders stay 0.8% above it).
 *
 * <p>The first decision asks, briefly, for the lowest useful height ({@code floorTarget}: the
 * component's own bound, or what the whole problem's bound leaves it); after that, a binary search
 * between the lowest height not yet ruled out and the best found. Only multiples of the sizes'
 * greatest common divisor are asked: every offset of a placement with nothing that could move
 * down is a sum of sizes, so its height is such a multiple too (MiniMalloc's suite has sizes in
 * multiples of 1,024, so this cuts the binary search by ten steps).
 */
final class ComponentMinimizer {

  /** How often a running decision lets the heartbeat report: once a second. */
  static final long HEARTBEAT_NANOS = 1_000_000_000;

  private final TimeSplit.Component component;
  private final long floorTarget;
  private final long step;
  private Packing best;
  private long provenLow;
  private long tryLow;
  private boolean triedFloor;
  private @Nullable ExactSearch search;
  private @Nullable Sections sections;
  private int passes;
  private long lastPassNanos;
  private boolean outOfTime;
  private final @Nullable Runnable heartbeat;

  /**
   * A minimiser of {@code component} that aims first at {@code floorTarget}; {@code heartbeat}
   * (or null) runs about once a second while one of its decisions searches.
   */
  ComponentMinimizer(TimeSplit.Component component, long floorTarget,
      @Nullable Runnable heartbeat) {
    this.component = component;
    this.heartbeat = heartbeat;
    OffsetProblem p = component.problem();
    this.step = sizeGcd(p);
    this.floorTarget = roundUp(Math.max(p.lowerBound(), floorTarget), step);
    this.best = GreedyPortfolio.best(p, new Sections(p), this.floorTarget);
    this.provenLow = p.lowerBound();
    this.tryLow = this.floorTarget;
  }

  TimeSplit.Component component() {
    return component;
  }

  /** The lowest placement so far. */
  Packing best() {
    return best;
  }

  /** No placement of this component is lower than this. */
  long provenLow() {
    return provenLow;
  }

  /** Whether there is nothing left to try. */
  boolean finished() {
    return best.height() <= tryLow || outOfTime;
  }

  private Sections sections() {
    Sections s = sections;
    if (s == null) {
      s = new Sections(component.problem());
      sections = s;
    }
    return s;
  }

  /** One decision, given part of the time left (all of it for the last possible step). */
  void improve(long deadlineNanos) {
    OffsetProblem p = component.problem();
    if (p.size() > ExactSearch.SIZE_LIMIT) {
      long start = System.nanoTime();
      // A pass cannot be cut short: start one only if the last one would still fit in time.
      if (start + lastPassNanos > deadlineNanos) {
        outOfTime = true;
        return;
      }
      Packing next = new Packing(p, GreedyPortfolio.shuffledPass(p, sections(), passes++), false);
      lastPassNanos = System.nanoTime() - start;
      if (next.height() < best.height()) {
        best = next;
      }
      return;
    }
    ExactSearch search = this.search;
    if (search == null) {
      search = new ExactSearch(p);
      if (heartbeat != null) {
        search.heartbeat(heartbeat, HEARTBEAT_NANOS);
      }
      this.search = search;
    }
    long cap = triedFloor ? roundUp(tryLow + (best.height() - 1 - tryLow) / 2, step) : tryLow;
    if (cap >= best.height()) {
      tryLow = best.height(); // no multiple of the step is left between: nothing more to try
      return;
    }
    long now = System.nanoTime();
    long left = Math.max(0, deadlineNanos - now);
    // The bound itself gets a tenth of the time: where it is reachable it is usually found fast
    // (tight capacities prune hard); then each binary-search step gets half of what is left.
    long slice = !triedFloor ? now + left / 10
        : cap >= best.height() - 1 ? deadlineNanos : now + left / 2;
    triedFloor = true;
    ExactSearch.Decision d = search.decide(cap, Long.MAX_VALUE, slice);
    switch (d.outcome()) {
      case FITS -> best = new Packing(p, d.offsets(), false);
      case DOES_NOT_FIT -> {
        provenLow = Math.max(provenLow, cap + step);
        tryLow = Math.max(tryLow, cap + step);
      }
      case GAVE_UP -> tryLow = Math.max(tryLow, cap + step);
    }
    if (best.height() <= provenLow) {
      best = best.withProvenOptimal(p, true);
    }
  }

  /** The greatest common divisor of the (positive) sizes; 1 for an empty problem. */
  static long sizeGcd(OffsetProblem p) {
    long g = 0;
    for (int i = 0; i < p.size(); i++) {
      long a = p.size(i);
      long b = g;
      while (b != 0) {
        long t = a % b;
        a = b;
        b = t;
      }
      g = a;
    }
    return Math.max(1, g);
  }

  private static long roundUp(long v, long step) {
    long r = v % step;
    return r == 0 ? v : v + step - r;
  }
}
