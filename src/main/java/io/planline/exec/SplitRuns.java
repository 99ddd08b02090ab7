package io.planline.exec;

import static java.util.Objects.requireNonNull;

import io.planline.backend.HostTensor;
import io.planline.exec.batch.SplitBatch;
import io.planline.model.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Runs a request whole, or, where {@link SplitRule} says so, as parts along its model's batch
 * dimension: each part is admitted and executed as a request of its own, its native calls on one
 * thread, on a stream of its own, and the outputs are concatenated back. A part's program is the
 * model's program planned for the part's rows, taken from the model's program cache only once it
 * is there: the first request of a new size runs whole while that program is planned on the
 * planning pool, so no request waits for a plan it would not otherwise need. Whether a request
 * the rule lets split does is its program's {@link SplitTrial}'s choice, from what both ways
 * measured.
 */
final class SplitRuns {

  private static final Logger LOG = LoggerFactory.getLogger(SplitRuns.class);

  /** Whole runs a program makes before its requests may split. */
  static final int WARM_RUNS = 4;

  private final ModelRunner runner;
  private final RequestExecutor executor;
  private final Admission admission;
  private volatile SplitRule rule;
  /** Whether a request that may split asks its program's trial (false: it always splits). */
  private volatile boolean trialled = true;

  SplitRuns(ModelRunner runner, RequestExecutor executor, Admission admission) {
    this.runner = requireNonNull(runner, "runner");
    this.executor = requireNonNull(executor, "executor");
    this.admission = requireNonNull(admission, "admission");
    this.rule = SplitRule.forCores(Runtime.getRuntime().availableProcessors());
  }

  /** Replaces the rule (for tests). */
  void rule(SplitRule r) {
    rule = requireNonNull(r, "rule");
  }

  /**
   * Whether requests that may split ask their program's {@link SplitTrial} (the default), or
   * always split (for tests that need a request to split when the rule says it may).
   */
  void trialled(boolean on) {
    trialled = on;
  }

  /** The outputs of {@code program} of the served model {@code s} on {@code ordered}. */
  Mono<List<HostTensor>> run(ModelTable.Served s, ExecutableProgram program,
      List<HostTensor> ordered, RequestTimes times) {
    Model m = s.model();
    ProgramRuns.Measured whole = executor.measured(program);
    long[] rows = rows(m, program, whole, ordered);
    if (rows == null) {
      return runner.run(m, program, ordered, times);
    }
    // it may split: which way it runs is the program's trial's to say, and either way its time
    // goes back to the trial
    SplitTrial trial = whole.splitTrial();
    List<ExecutableProgram> parts = !trialled || trial.split() ? programs(s, ordered, rows) : null;
    if (parts == null) {
      return timed(runner.run(m, program, ordered, times), nanos -> {
        if (trial.record(false, nanos)) {
          chosen(m, ordered, rows.length, trial);
        }
      });
    }
    // a split request's time also counts as a run of the whole program, whose average decides
    // whether it may split at all: the whole runs seldom once splitting is chosen
    return timed(runner.executed(m, SplitBatch.run(ordered, m.batchDim(), rows,
            (i, inputs) -> runner.run(m, parts.get(i), inputs, times,
                i == rows.length - 1 ? RunAs.LAST_PART : RunAs.PART))),
        nanos -> {
          whole.record(nanos, ProgramRuns.UNKNOWN);
          if (trial.record(true, nanos)) {
            chosen(m, ordered, rows.length, trial);
          }
        });
  }

  /**
   * Says which way a program's trial chose and what each way measured: its first trial at info,
   * later ones (which follow a machine that changes) at debug.
   */
  private static void chosen(Model m, List<HostTensor> ordered, int parts, SplitTrial trial) {
    long split = trial.medianNanos(true);
    long whole = trial.medianNanos(false);
    String line = String.format(Locale.ROOT, "%s %s: requests that run alone run %s (median"
        + " %.3f ms split in %d parts, %.3f ms whole; both timed again after %d requests)",
        m.name(), Arrays.toString(ordered.get(0).shape()), split < whole ? "split" : "whole",
        split / 1e6, parts, whole / 1e6, trial.untilTrial());
    if (trial.trials() == 1) {
      LOG.info(line);
    } else {
      LOG.debug(line);
    }
  }

  /** {@code work}, its time from subscription to answer given to {@code took}. */
  private static Mono<List<HostTensor>> timed(Mono<List<HostTensor>> work, LongConsumer took) {
    return Mono.defer(() -> {
      long start = System.nanoTime();
      return work.doOnNext(outputs -> took.accept(System.nanoTime() - start));
    });
  }

  /** The parts' rows, or null where the request runs whole. */
  private long @Nullable [] rows(Model m, ExecutableProgram program, ProgramRuns.Measured runs,
      List<HostTensor> ordered) {
    Integer dim = m.batchDim();
    if (dim == null || ordered.isEmpty() || !program.compiledKernels()
        || !executor.backend().synchronous()) {
      return null;
    }
    long rows = ordered.get(0).shape()[dim];
    int slots = Math.min(admission.maxRunning(), executor.backend().streams());
    // a few runs first: early runs pay for warm-up (code compiled, primitives made) and say
    // little of what the program costs
    int parts = runs.runs() < WARM_RUNS ? 1 : rule.parts(rows, runs.averageNanos(),
        admission.running() + admission.queued(), slots);
    if (parts < 2 || !outputsHold(m, program, dim, rows)) {
      return null;
    }
    return SplitRule.sizes(rows, parts);
  }

  /**
   * Whether every output holds the request's rows along the batch dimension, so that the parts'
   * outputs concatenate into the request's.
   */
  private static boolean outputsHold(Model m, ExecutableProgram program, int dim, long rows) {
    for (Map.Entry<String, String> o : m.outputBuffers()) {
      List<Long> shape = program.output(o.getKey()).shape();
      if (shape.size() <= dim || shape.get(dim) != rows) {
        return false;
      }
    }
    return true;
  }

  /** Each part's program, or null while one of them is not planned yet (planning starts). */
  private static @Nullable List<ExecutableProgram> programs(ModelTable.Served s,
      List<HostTensor> ordered, long[] rows) {
    int dim = s.model().batchDim();
    List<ExecutableProgram> programs = new ArrayList<>(rows.length);
    boolean planned = true;
    for (long r : rows) {
      Map<String, long[]> shapes = new LinkedHashMap<>();
      for (HostTensor t : ordered) {
        long[] shape = t.shape().clone();
        shape[dim] = r;
        shapes.put(t.name(), shape);
      }
      @Nullable ExecutableProgram p;
      try {
        p = s.cache().ready(s.model().symbolsFor(shapes));
      } catch (IllegalArgumentException e) {
        return null; // the model's bounds do not take a part's rows
      }
      planned &= p != null; // every missing one starts planning now, not one per request
      programs.add(p);
    }
    return planned ? programs : null;
  }
}
