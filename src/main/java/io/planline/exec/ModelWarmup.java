package io.planline.exec;

import io.planline.backend.HostTensor;
import io.planline.exec.batch.BatchTensors;
import io.planline.ir.DType;
import io.planline.io.ProgramFormatException;
import io.planline.model.Model;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

/**
 * Runs a model's own sample through its request path while it loads, before it is ready
 * (Triton's model warm-up). A model's first request on the CPU pays for what oneDNN makes once
 * per thread and shape (primitives, packed weights): a server's first ResNet-50 [1] request
 * computed for 192-239 ms unwarmed and 60-106 ms warmed, its next four for 54-77 ms either way
 * and later ones for about 40 (2-core build machine, docs/benchmarks.md, session 33).
 *
 * <p>Each round runs one request on every stream at once: idle streams are taken first
 * ({@link StreamChoice}), so each stream's thread makes its own primitives. It runs the sample,
 * then, for a model with a batch dimension, the sample's first row alone (batch 1, the shape
 * whose latency matters most; exporters write two-row samples). Warm-up requests are
 * admitted as any request is (they take their share of the memory budget) but are neither
 * counted in the model's statistics or metrics, which are its clients', nor recorded among the
 * program's measured runs ({@link RunAs#WARMUP} says why).
 *
 * <p>Where the sample holds PyTorch's outputs, the last round's are compared with them: a model
 * further from them than {@value #TOLERANCE} (relative) still loads, with a warning that says by
 * how much (a sample made on another device may differ that much on purpose). A sample that
 * cannot be read, or whose run fails, fails the load with the reason: a model that cannot run
 * its own sample would fail its clients' requests the same way. A model without a sample loads
 * unwarmed.
 */
final class ModelWarmup {

  private static final Logger LOG = LoggerFactory.getLogger(ModelWarmup.class);

  /** Relative error beyond which the outputs are reported as differing from PyTorch's. */
  static final double TOLERANCE = 1e-4;

  /** How long one round may take before the load fails (Whisper's encoder [8] takes ~2 s). */
  private static final Duration ROUND_LIMIT = Duration.ofMinutes(5);

  /**
   * What a warm-up did, for its log line.
   *
   * @param requests requests run, every round's
   * @param firstMillis the first round's time: what the first requests would have waited
   * @param lastMillis the last round's time
   * @param error the largest relative error of a float32 output against the sample's, or NaN
   *     where the sample has no outputs to compare
   */
  private record Result(int requests, double firstMillis, double lastMillis, double error) {}

  private final int rounds;

  /** Warm-ups of {@code rounds} rounds (0: none). */
  ModelWarmup(int rounds) {
    if (rounds < 0) {
      throw new IllegalArgumentException("warm-up rounds must be at least 0, got " + rounds);
    }
    this.rounds = rounds;
  }

  /**
   * Warms {@code s} up with its sample, {@code streams} requests a round of each shape, through
   * {@code runner}; with {@code batchSizes} (a batching model's preferred sizes), also with its
   * first row repeated to each of those sizes, the shapes its batches will have.
   *
   * @throws IllegalStateException saying why, when the sample cannot be read or run
   */
  void run(ModelTable.Served s, ModelRunner runner, int streams,
      List<Integer> batchSizes) {
    Model m = s.model();
    if (rounds == 0 || !Samples.present(m.source())) {
      return;
    }
    Samples.Sample sample;
    List<List<HostTensor>> requests;
    List<ExecutableProgram> programs = new ArrayList<>();
    try {
      sample = Samples.of(m.source());
      requests = shapes(m, InputChecks.ordered(m, sample.inputs()), batchSizes);
      for (List<HostTensor> request : requests) {
        programs.add(ModelOpener.program(s, shapesOf(request)).block());
      }
    } catch (IOException | ProgramFormatException | InferenceException e) {
      throw new IllegalStateException(what(m) + ": its sample cannot be used for the warm-up: "
          + e.getMessage(), e);
    }
    double first = 0;
    double last = 0;
    List<HostTensor> outputs = List.of();
    for (int r = 0; r < rounds; r++) {
      long start = System.nanoTime();
      for (int k = 0; k < requests.size(); k++) {
        List<List<HostTensor>> answers = round(m, runner, programs.get(k), requests.get(k),
            streams);
        for (int i = 0; i < answers.size(); i++) {
          if (r == rounds - 1 && k == 0 && i == 0) {
            outputs = answers.get(i); // the whole sample's, compared below
          } else {
            HostTensor.releaseAll(answers.get(i));
          }
        }
      }
      last = (System.nanoTime() - start) / 1e6;
      first = r == 0 ? last : first;
    }
    double error;
    try {
      error = error(outputs, sample.outputs());
    } finally {
      HostTensor.releaseAll(outputs);
    }
    log(m, requests, new Result(rounds * streams * requests.size(), first, last, error));
  }

  /**
   * The requests a warm-up runs: the sample, and where the model has a batch dimension and the
   * sample several rows, its first row alone. Exporters write samples of two rows (so that the
   * batch dimension is seen to vary) while latency is a matter of batch 1, and oneDNN's
   * primitives are made per shape. Then the first row repeated to each of {@code batchSizes}
   * not run already.
   */
  private static List<List<HostTensor>> shapes(Model m, List<HostTensor> sample,
      List<Integer> batchSizes) {
    Integer dim = m.batchDim();
    if (dim == null || sample.isEmpty() || sample.get(0).shape().length <= dim) {
      return List.of(sample);
    }
    long rows = sample.get(0).shape()[dim];
    List<HostTensor> first = rows == 1 ? sample
        : BatchTensors.split(sample, new long[] {1, rows - 1}, dim).get(0);
    List<List<HostTensor>> out = new ArrayList<>(List.of(sample));
    Set<Long> done = new HashSet<>(List.of(rows));
    if (done.add(1L)) {
      out.add(first);
    }
    for (int size : batchSizes) {
      if (done.add((long) size)) {
        out.add(BatchTensors.concat(Collections.nCopies(size, first), dim));
      }
    }
    return out;
  }

  /**
   * One request on every stream at once. They share {@code request}'s tensors: a backend's
   * upload reads its host bytes without moving them ({@link io.planline.backend.Backend#upload}).
   */
  private static List<List<HostTensor>> round(Model m, ModelRunner runner,
      ExecutableProgram program, List<HostTensor> request, int streams) {
    try {
      // where one request fails, the answers the others gave are discarded: released
      return Flux.range(0, streams)
          .flatMap(i -> runner.run(m, program, request, RequestTimes.start(), RunAs.WARMUP), streams)
          .collectList()
          .doOnDiscard(List.class, answer -> answer.forEach(t -> ((HostTensor) t).release()))
          .block(ROUND_LIMIT);
    } catch (RuntimeException e) {
      throw new IllegalStateException(what(m) + ": its sample failed in the warm-up"
          + " (inputs " + describe(request) + "): " + e.getMessage(), e);
    }
  }

  private static Map<String, long[]> shapesOf(List<HostTensor> request) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    request.forEach(t -> shapes.put(t.name(), t.shape()));
    return shapes;
  }

  /** The largest relative error of a float32 output that the sample also has; NaN for none. */
  private static double error(List<HostTensor> outputs, Map<String, HostTensor> expected) {
    double worst = Double.NaN;
    for (HostTensor t : outputs) {
      HostTensor want = expected.get(t.name());
      if (want != null && t.dtype() == DType.FLOAT32 && want.dtype() == DType.FLOAT32
          && Arrays.equals(t.shape(), want.shape())) {
        double e = HostTensor.relativeError(t.floats(), want.floats());
        worst = Double.isNaN(worst) ? e : Math.max(worst, e);
      }
    }
    return worst;
  }

  private static void log(Model m, List<List<HostTensor>> requests, Result r) {
    StringBuilder inputs = new StringBuilder();
    for (List<HostTensor> request : requests) {
      inputs.append(inputs.isEmpty() ? "" : "; ").append(describe(request));
    }
    String checked = Double.isNaN(r.error()) ? "its sample has no outputs to compare"
        : String.format(Locale.ROOT, "outputs within %.2g of PyTorch's", r.error());
    LOG.info(String.format(Locale.ROOT, "warmed %s up with its sample (%s): %d requests, first"
        + " round %.1f ms, last %.1f ms; %s", what(m), inputs, r.requests(), r.firstMillis(),
        r.lastMillis(), checked));
    if (r.error() > TOLERANCE) {
      LOG.warn(String.format(Locale.ROOT, "%s: its outputs differ from its sample's (PyTorch's)"
          + " by %.3g, more than %.0e (relative to the largest expected value): check that the"
          + " export and this backend agree", what(m), r.error(), TOLERANCE));
    }
  }

  /** Inputs as {@code name[shape], ...}. */
  private static String describe(List<HostTensor> request) {
    StringBuilder out = new StringBuilder();
    request.forEach(t -> out.append(out.isEmpty() ? "" : ", ").append(t.name())
        .append(Arrays.toString(t.shape())));
    return out.toString();
  }

  private static String what(Model m) {
    return "model '" + m.name() + "' version '" + m.version() + "'";
  }
}
