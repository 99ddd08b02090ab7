package io.planline.plan.offset;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Decisions over one independent component, by {@link BranchAndBound} runs with restarts, on
 * {@value #WORKERS} threads.
 *
 * <p>A search cut short by its node limit says nothing, so the next attempt, with another
 * preorder, may find quickly what this one would find slowly (MiniMalloc's round robin, here on a
 * Luby schedule: backtracking has heavy-tailed run times). Attempt {@code a} uses base order
 * {@code a mod 3}, shuffled locally from the fourth attempt on with seed {@code a}, and a node
 * limit of {@code luby(a + 1)} units. Any attempt that finishes its search decides the question.
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
  private final SearchState[] states = new SearchState[WORKERS];
  // Where each worker resumes when asked again at the same capacity.
  private long resumeCapacity = -1;
  private final int[] nextAttempt = new int[WORKERS];
  private final PieceMemo[] memos = new PieceMemo[WORKERS];

  ExactSearch(OffsetProblem problem) {
    this.problem = problem;
    this.sections = new Sections(problem);
    this.ranks = new int[ORDERS.size()][];
    for (int k = 0; k < ORDERS.size(); k++) {
      ranks[k] = ORDERS.get(k).ranks(problem, sections);
    }
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
        memos[w] = new PieceMemo();
      }
    }
    Board board = new Board();
    Thread[] threads = new Thread[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
      if (states[w] == null) {
        states[w] = new SearchState(problem, sections);
      }
      SearchState state = states[w];
      int worker = w;
      threads[w] = new Thread(() -> work(worker, state, capacity, maxNodes,
          Math.min(softDeadlineNanos, deadlineNanos), deadlineNanos, board),
          "offset-search-" + w);
      threads[w].setDaemon(true);
      threads[w].start();
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        board.cancel();
      }
    }
    return board.answer();
  }

  private void work(int worker, SearchState state, long capacity, long maxNodes,
      long softDeadlineNanos, long deadlineNanos, Board board) {
    try {
      PieceMemo memo = memos[worker];
      long unit = 1_000 + 20L * problem.size();
      long spent = 0;
      for (int a = nextAttempt[worker]; spent < maxNodes
          && System.nanoTime() < softDeadlineNanos; a += WORKERS) {
        if (board.decidedBelow(a)) {
          return;
        }
        int attempt = a;
        long full = unit * luby(a + 1);
        long allowed = Math.min(full, maxNodes - spent);
        int[] rank = a < ranks.length ? ranks[a]
            : Preorder.shuffle(ranks[a % ranks.length], a, Math.max(2, problem.size() / 10));
        BranchAndBound search = new BranchAndBound(state, rank, capacity, allowed,
            deadlineNanos, memo, () -> board.decidedBelow(attempt));
        BranchAndBound.Outcome outcome = search.run();
        spent += search.nodes();
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

  /** Results of the attempts, shared by the workers. */
  private static final class Board {
    private volatile int decided = Integer.MAX_VALUE;
    private @Nullable Decision decision;
    private @Nullable Throwable failure;

    boolean decidedBelow(int attempt) {
      return decided < attempt;
    }

    synchronized void report(int attempt, BranchAndBound.Outcome outcome,
        long @Nullable [] offsets) {
      if (attempt < decided) {
        decided = attempt;
        decision = new Decision(outcome, offsets);
      }
    }

    synchronized void fail(Throwable e) {
      failure = e;
      decided = -1;
    }

    void cancel() {
      decided = -1;
    }

    synchronized Decision answer() {
      if (failure instanceof RuntimeException e) {
        throw e;
      }
      if (failure instanceof Error e) {
        throw e;
      }
      return decision != null ? decision : new Decision(BranchAndBound.Outcome.GAVE_UP, null);
    }
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
