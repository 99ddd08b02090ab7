package io.planline.plan.optimal;

import io.planline.plan.OffsetProblem;
import io.planline.plan.arena.Preorder;
import io.planline.plan.arena.Sections;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Decisions over one independent component, by search runs with restarts on {@value #WORKERS}
 * threads: worker 0 runs {@link BranchAndBound} (canonical offset order), worker 1 runs
 * {@link CoverSearch} (fail-first over the skyline), whose strengths differ from instance to
 * instance (MiniMalloc's challenging G and K fall to the first, A and I to the second).
 *
 * <p>A search cut short by its node limit says nothing, so the next attempt, with another
 * preorder, may find quickly what this one would find slowly (MiniMalloc's round robin, here on a
 * Luby schedule: backtracking has heavy-tailed run times). Attempt {@code a} is worker
 * {@code a mod 2}'s attempt {@code k = a / 2}, with a node limit of {@code luby(k + 1)} units.
 * Branch and bound takes base order {@code k mod 3}, shuffled locally from its fourth attempt on
 * with seed {@code k}; the cover search alternates between the problem and its time reversal and
 * goes through the same three orders. Any attempt that finishes its search decides
 * the question.
 *
 * <p>Asked again at the same capacity, each worker resumes after its last attempt that ran to its
 * node limit, keeping what its memo learned.
 *
 * <p>Determinism: worker {@code w} runs attempts {@code w, w + WORKERS, ...} with its own state
 * and memo, and the answer is that of the lowest-numbered attempt that decided, once every lower
 * attempt has run out of nodes; so the answer does not depend on thread timing, only the
 * wall-clock deadline can change it.
 */
final class ExactSearch {

  /** The preorders the attempts cycle through. */
  static final List<Preorder> ORDERS = List.of(
      Preorder.TOTAL_AREA, Preorder.TOTAL_LENGTH_AREA, Preorder.LENGTH_AREA_TOTAL);

  /** Threads per decision (fixed, so answers do not depend on the machine). */
  static final int WORKERS = 2;

  /**
   * Above this many buffers the search is not tried: its per-node work and its overlap lists grow
   * with the number of buffers live together (tens of millions of pairs on the largest traces).
   */
  static final int SIZE_LIMIT = 5_000;

  /** A decision's answer: a placement, a proof that none exists, or neither. */
  record Decision(BranchAndBound.Outcome outcome, long @Nullable [] offsets) {}

  private final OffsetProblem problem;
  private final Sections sections;
  private final int[][] ranks;
  private @Nullable SearchState state;
  private final View forward;
  private @Nullable View backward;
  // Where each worker resumes when asked again at the same capacity.
  private long resumeCapacity = -1;
  private final int[] nextAttempt = new int[WORKERS];
  // What the searches learned, per orientation: [0] branch and bound, [1..2] cover search.
  private final PieceMemo[] memos = new PieceMemo[3];
  // Nodes each worker has visited over every decision (each slot written by its worker only, read
  // after the workers are joined).
  private final long[] workerNodes = new long[WORKERS];
  // Run on the deciding thread while it waits for the workers (progress reports), or null.
  private @Nullable Runnable heartbeat;
  private long heartbeatNanos;

  /** The problem in one time direction, as the cover search sees it. */
  private record View(OffsetProblem problem, Sections sections, int[][] overlaps,
      int[][] ranks) {

    /** The time-reversed view, with its own sections, overlaps and preorder ranks. */
    static View reversed(OffsetProblem forward) {
      OffsetProblem p = forward.reversed();
      Sections s = new Sections(p);
      return new View(p, s, SearchState.overlapLists(p, s), ranksOf(p, s));
    }
  }

  private static int[][] ranksOf(OffsetProblem p, Sections s) {
    int[][] ranks = new int[ORDERS.size()][];
    for (int k = 0; k < ranks.length; k++) {
      ranks[k] = ORDERS.get(k).ranks(p, s);
    }
    return ranks;
  }

  /**
   * A search over {@code given}'s buffers; the placements it returns are indexed like them.
   */
  ExactSearch(OffsetProblem given) {
    // Over renumbered times, so that the same buffers read from program lines and from a buffer
    // list search alike; the overlaps, and so every placement, are those of the problem as given.
    this.problem = given.compressed();
    this.sections = new Sections(problem);
    this.ranks = ranksOf(problem, sections);
    // Both engines need the overlap lists (tens of millions of pairs on the largest problems
    // searched): worked out once, here.
    this.forward = new View(problem, sections, SearchState.overlapLists(problem, sections),
        ranks);
  }

  /**
   * Whether the component fits within {@code capacity}, searching until it is decided, the node
   * budget {@code maxNodes} (per worker) is spent, or {@code deadlineNanos}
   * ({@link System#nanoTime}) passes.
   */
  Decision decide(long capacity, long maxNodes, long deadlineNanos) {
    return decide(capacity, maxNodes, deadlineNanos, deadlineNanos);
  }

  /**
   * As {@link #decide(long, long, long)}, but after {@code softDeadlineNanos} no new attempt
   * starts while running ones go on until they end or {@code deadlineNanos} passes: a later call
   * at the same capacity then resumes without losing a half-run attempt.
   */
  Decision decide(long capacity, long maxNodes, long softDeadlineNanos, long deadlineNanos) {
    if (capacity < problem.lowerBound()) {
      return new Decision(BranchAndBound.Outcome.DOES_NOT_FIT, null);
    }
    if (capacity != resumeCapacity) {
      resumeCapacity = capacity;
      for (int w = 0; w < WORKERS; w++) {
        nextAttempt[w] = w;
      }
      for (int m = 0; m < memos.length; m++) {
        memos[m] = new PieceMemo();
      }
    }
    AttemptBoard board = new AttemptBoard();
    List<Future<?>> running = new ArrayList<>(WORKERS);
    for (int w = 0; w < WORKERS; w++) {
      int worker = w;
      running.add(Workers.POOL.submit(() -> work(worker, capacity, maxNodes,
          Math.min(softDeadlineNanos, deadlineNanos), deadlineNanos, board)));
    }
    try {
      for (Future<?> f : running) {
        await(f);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      board.cancel();
    } catch (ExecutionException e) {
      // work() reports its own failures to the board; anything else is a bug in this class
      throw new IllegalStateException("exact search worker failed", e.getCause());
    }
    return board.answer();
  }

  /**
   * Runs {@code beat} on the thread that called {@link #decide} every {@code everyNanos} while
   * that decision's workers run (never from a worker, so it may read what the caller owns).
   */
  void heartbeat(Runnable beat, long everyNanos) {
    if (everyNanos <= 0) {
      throw new IllegalArgumentException("heartbeat interval must be > 0 ns, got " + everyNanos);
    }
    this.heartbeat = beat;
    this.heartbeatNanos = everyNanos;
  }

  /** Waits for {@code f}, running the heartbeat whenever its interval passes. */
  private void await(Future<?> f) throws InterruptedException, ExecutionException {
    Runnable beat = heartbeat;
    if (beat == null) {
      f.get();
      return;
    }
    while (true) {
      try {
        f.get(heartbeatNanos, TimeUnit.NANOSECONDS);
        return;
      } catch (TimeoutException e) {
        beat.run();
      }
    }
  }

  /** Search nodes visited by every attempt of every decision so far. */
  long nodes() {
    long sum = 0;
    for (long n : workerNodes) {
      sum += n;
    }
    return sum;
  }

  private void work(int worker, long capacity, long maxNodes, long softDeadlineNanos,
      long deadlineNanos, AttemptBoard board) {
    try {
      long unit = 1_000 + 20L * problem.size();
      // The cover search either runs almost straight down or thrashes (challenging I: the runs
      // that fit took 2-5 nodes per buffer), so it restarts sooner and more often.
      long coverUnit = 500 + 4L * problem.size();
      long spent = 0;
      for (int a = nextAttempt[worker]; spent < maxNodes
          && System.nanoTime() < softDeadlineNanos; a += WORKERS) {
        if (board.decidedBelow(a)) {
          return;
        }
        int attempt = a;
        long full = (a % WORKERS == 0 ? unit : coverUnit) * luby(a / WORKERS + 1);
        long allowed = Math.min(full, maxNodes - spent);
        DecisionSearch search = attempt(a, capacity, allowed, deadlineNanos,
            () -> board.decidedBelow(attempt));
        BranchAndBound.Outcome outcome = search.run();
        spent += search.nodes();
        workerNodes[worker] += search.nodes();
        // An attempt cut short before its own node limit is run again on resumption.
        nextAttempt[worker] = search.nodes() > full ? a + WORKERS : a;
        if (outcome != BranchAndBound.Outcome.GAVE_UP) {
          board.report(a, outcome,
              outcome == BranchAndBound.Outcome.FITS ? search.solution() : null);
          return;
        }
      }
    } catch (RuntimeException | Error e) {
      board.fail(e);
    }
  }

  /** The search of attempt {@code a} (see the class comment for the schedule). */
  private DecisionSearch attempt(int a, long capacity, long nodeLimit, long deadlineNanos,
      BooleanSupplier cancelled) {
    int k = a / WORKERS;
    int window = Math.max(2, problem.size() / 10);
    if (a % WORKERS == 0) {
      SearchState s = state;
      if (s == null) {
        s = new SearchState(problem, sections, forward.overlaps());
        state = s;
      }
      int[] rank = k < ranks.length ? ranks[k]
          : Preorder.shuffle(ranks[k % ranks.length], k, window);
      return new BranchAndBound(s, rank, capacity, nodeLimit, deadlineNanos, memos[0],
          cancelled);
    }
    int direction = k % 2;
    View view = direction == 0 ? forward : backward;
    if (view == null) {
      view = View.reversed(problem);
      backward = view;
    }
    int order = k / 2;
    int[] rank = order < view.ranks().length ? view.ranks()[order]
        : Preorder.shuffle(view.ranks()[order % view.ranks().length], k, window);
    return new CoverSearch(view.problem(), view.sections(), view.overlaps(), rank, capacity,
        nodeLimit, deadlineNanos, memos[1 + direction], cancelled);
  }

  /**
   * The threads every decision's workers run on, started once rather than {@link #WORKERS} new
   * threads per decision (a short search is asked many decisions). Workers never wait for each
   * other (they only read the board), so decisions that queue here behind others' workers cannot
   * deadlock; they start late, which only the wall-clock deadline can notice, as before under
   * load. Daemon threads: a search must not keep the process alive.
   */
  private static final class Workers {
    static final ExecutorService POOL = Executors.newFixedThreadPool(
        Math.max(WORKERS, Runtime.getRuntime().availableProcessors()), new ThreadFactory() {
          private final AtomicInteger count = new AtomicInteger();

          @Override
          public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "exact-search-" + count.getAndIncrement());
            t.setDaemon(true);
            return t;
          }
        });

    private Workers() {}
  }

  /** The i-th term (from 1) of the Luby sequence 1, 1, 2, 1, 1, 2, 4, 1, ... */
  static long luby(int i) {
    int k = 1;
    while ((1L << k) - 1 < i) {
      k++;
    }
    if ((1L << k) - 1 == i) {
      return 1L << (k - 1);
    }
    return luby(i - (int) ((1L << (k - 1)) - 1));
  }
}
