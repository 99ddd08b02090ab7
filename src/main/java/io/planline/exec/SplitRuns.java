package io.planline.exec;

import static java.util.Objects.requireNonNull;

import io.planline.backend.HostTensor;
import io.planline.exec.batch.SplitBatch;
import io.planline.model.Model;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Runs a request whole, or, where {@link SplitRule} says so, as parts along its model's batch
 * dimension: each part is admitted and executed as a request of its own, its native calls on one
 * thread, on a stream of its own, and the outputs are concatenated back. A part's program is the
 * model's program planned for the part's rows, taken from the model's program cache only once it
 * is there: the first request of a new size runs whole while that program is planned on the
 * planning pool, so no request waits for a plan it would not otherwise need.
 */
final class SplitRuns {

  private final ModelRunner runner;
  private final RequestExecutor executor;
  private final Admission admission;
  private volatile SplitRule rule;

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

  /** The outputs of {@code program} of the served model {@code s} on {@code ordered}. */
  Mono<List<HostTensor>> run(ModelTable.Served s, ExecutableProgram program,
      List<HostTensor> ordered, RequestTimes times) {
    Model m = s.model();
    ProgramRuns.Measured whole = executor.measured(program);
    long[] rows = rows(m, program, whole, ordered);
    List<ExecutableProgram> parts = rows == null ? null : programs(s, ordered, rows);
    if (parts == null) {
      return runner.run(m, program, ordered, times);
    }
    // a split request counts as a run of the whole program, its parts' time added up: once
    // split, the whole no longer runs, and its average would otherwise keep the decision it
    // made forever
    return Mono.defer(() -> {
      long start = System.nanoTime();
      return runner.executed(m, SplitBatch.run(ordered, m.batchDim(), rows,
              (i, inputs) -> runner.run(m, parts.get(i), inputs, times,
                  i == rows.length - 1 ? RunAs.LAST_PART : RunAs.PART)))
          .doOnNext(outputs -> whole.recordSplit(System.nanoTime() - start, rows.length));
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
    int parts = !runs.warm() ? 1 : rule.parts(rows, runs.averageNanos(),
        admission.running() + admission.queued(), slots);
    if (parts < 2 || !outputsHold(m, program, dim, rows)) {
      return null;
    }
    // the lead only where the last part will run here, on a thread that may wait
    long lead = executor.lastPartHere() ? rule.leadRows(rows, parts, runs.averageNanos()) : 0;
    return SplitRule.sizes(rows, parts, lead);
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
