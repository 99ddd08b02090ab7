package io.planline.plan.optimal;

import io.planline.plan.OffsetProblem;
import io.planline.plan.arena.GreedyPortfolio;
import io.planline.plan.arena.Packing;
import io.planline.plan.arena.Sections;
import io.planline.plan.arena.TimeSplit;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The exact engines over a whole problem: decompose it ({@link TimeSplit}), then per component
 * start from the greedy portfolio and, where that is not provably enough, search.
 *
 * <p>Two questions, both the {@code optimal} planner's: {@link #minimize} (anytime minimum
 * height) and {@link #fit} (does it fit a capacity). The {@code offset} planner's short search is
 * {@link ExactImprover}, run by the driver's fallback stage.
 */
final class ExactSolver {

  /** The answer to a capacity question. */
  enum Fit { FITS, DOES_NOT_FIT, UNKNOWN }

  /** A capacity answer with its placement when it fits. */
  record FitResult(Fit fit, @Nullable Packing packing) {}

  /** The first time slice of a decision round; later rounds double it. */
  static final long FIRST_SLICE_NANOS = 100_000_000;

  private ExactSolver() {}

  private static long slice(long length, long deadlineNanos) {
    long now = System.nanoTime();
    return now + Math.min(length, Math.max(0, deadlineNanos - now));
  }

  /** Where a minimisation stands, in the problem's units; see {@link #minimize}. */
  @FunctionalInterface
  interface Progress {
    Progress NONE = (best, floor) -> { };

    /** The lowest height found so far, and the highest height proven necessary. */
    void at(long best, long floor);
  }

  /**
   * The lowest placement found before {@code deadlineNanos}; proven optimal when it reaches the
   * lower bound or a search proved that nothing lower fits. Tells {@code progress} where it
   * stands after every step and about once a second while a step's search runs
   * ({@link ExactSearch}'s heartbeat), on this thread.
   */
  static Packing minimize(OffsetProblem problem, long deadlineNanos, Progress progress) {
    TimeSplit split = TimeSplit.of(problem);
    long bound = problem.lowerBound();
    List<TimeSplit.Component> comps = split.components();
    List<ComponentMinimizer> mins = new ArrayList<>();
    // Buffers stacked outside every component fit under the bound (they are all live at one
    // time), so the height is the bound or the highest component top, whichever is higher.
    Runnable report = () -> {
      long best = bound;
      long floor = bound;
      for (ComponentMinimizer m : mins) {
        best = Math.max(best, m.component().base() + m.best().height());
        floor = Math.max(floor, m.component().base() + m.provenLow());
      }
      progress.at(best, Math.min(floor, best));
    };
    for (TimeSplit.Component c : comps) {
      mins.add(new ComponentMinimizer(c, bound - c.base(),
          progress == Progress.NONE ? null : report));
    }
    // Work on the component that sets the height until it is proven or time is out.
    while (System.nanoTime() < deadlineNanos) {
      ComponentMinimizer top = null;
      long height = 0;
      for (ComponentMinimizer m : mins) {
        long h = m.component().base() + m.best().height();
        if (top == null || h > height) {
          top = m;
          height = h;
        }
      }
      if (top == null || height <= bound || top.finished()) {
        break;
      }
      top.improve(deadlineNanos);
      report.run();
    }
    List<long[]> parts = new ArrayList<>();
    long height = 0;
    boolean proven = false;
    for (ComponentMinimizer m : mins) {
      parts.add(m.best().offsets());
      height = Math.max(height, m.component().base() + m.best().height());
    }
    for (ComponentMinimizer m : mins) {
      proven |= m.component().base() + m.provenLow() >= height;
    }
    long[] offsets = split.assemble(parts);
    long h = problem.height(offsets);
    return new Packing(problem, offsets, h == bound || proven);
  }

  /**
   * Whether the problem fits within {@code capacity}, searching until {@code deadlineNanos}.
   *
   * <p>Components the greedy portfolio cannot fit are searched in rounds, each round sharing the
   * time left among those still undecided; a search resumes where its last round stopped.
   */
  static FitResult fit(OffsetProblem problem, long capacity, long deadlineNanos) {
    if (problem.lowerBound() > capacity) {
      return new FitResult(Fit.DOES_NOT_FIT, null);
    }
    TimeSplit split = TimeSplit.of(problem);
    List<TimeSplit.Component> comps = split.components();
    List<long[]> parts = new ArrayList<>();
    List<Integer> open = new ArrayList<>();
    for (int k = 0; k < comps.size(); k++) {
      TimeSplit.Component c = comps.get(k);
      long cap = capacity - c.base();
      Packing greedy = GreedyPortfolio.best(c.problem(), new Sections(c.problem()), cap);
      parts.add(greedy.offsets());
      if (greedy.height() > cap) {
        if (c.problem().size() <= ExactSearch.SIZE_LIMIT) {
          open.add(k);
          continue;
        }
        // Too large to search: more greedy passes over shuffled orders while time lasts.
        long[] found = null;
        Sections sections = new Sections(c.problem());
        for (int pass = 0; found == null && System.nanoTime() < deadlineNanos; pass++) {
          long[] o = GreedyPortfolio.shuffledPass(c.problem(), sections, pass);
          found = c.problem().height(o) <= cap ? o : null;
        }
        if (found == null) {
          return new FitResult(Fit.UNKNOWN, null);
        }
        parts.set(k, found);
      }
    }
    // Each open component is searched at the capacity and, when lower, at its own bound: a
    // tighter capacity prunes harder and is often found much sooner (challenging C: 0.2 s at its
    // bound against 12 s at 2^20), and a placement at the bound fits the capacity too.
    List<ExactSearch> atCapacity = new ArrayList<>();
    List<@Nullable ExactSearch> atBound = new ArrayList<>();
    for (int k : open) {
      OffsetProblem p = comps.get(k).problem();
      atCapacity.add(new ExactSearch(p));
      atBound.add(p.lowerBound() < capacity - comps.get(k).base() ? new ExactSearch(p) : null);
    }
    // Rounds of doubling slices (the searches resume; a slice ends after the attempts running at
    // its end), so neither question starves the other.
    long round = FIRST_SLICE_NANOS;
    while (!open.isEmpty() && System.nanoTime() < deadlineNanos) {
      if (open.size() == 1 && atBound.get(0) == null) {
        round = Long.MAX_VALUE; // a lone search needs no slices, and a cut attempt is lost work
      }
      for (int i = 0; i < open.size(); i++) {
        int k = open.get(i);
        long cap = capacity - comps.get(k).base();
        long[] found = null;
        ExactSearch tight = atBound.get(i);
        if (tight != null) {
          found = tight.decide(comps.get(k).problem().lowerBound(), Long.MAX_VALUE,
              slice(round, deadlineNanos), deadlineNanos).offsets();
        }
        if (found == null) {
          ExactSearch.Decision d = atCapacity.get(i).decide(cap, Long.MAX_VALUE,
              slice(round, deadlineNanos), deadlineNanos);
          if (d.outcome() == BranchAndBound.Outcome.DOES_NOT_FIT) {
            return new FitResult(Fit.DOES_NOT_FIT, null);
          }
          found = d.offsets();
        }
        if (found != null) {
          parts.set(k, found);
          open.remove(i);
          atCapacity.remove(i);
          atBound.remove(i);
          i--;
        }
      }
      round = round > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : round * 2;
    }
    if (!open.isEmpty()) {
      return new FitResult(Fit.UNKNOWN, null);
    }
    long[] offsets = split.assemble(parts);
    return new FitResult(Fit.FITS, new Packing(problem, offsets,
        problem.height(offsets) == problem.lowerBound()));
  }
}
