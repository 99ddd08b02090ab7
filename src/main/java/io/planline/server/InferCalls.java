package io.planline.server;

import static java.util.Objects.requireNonNull;

import io.planline.backend.HostTensor;
import io.planline.config.ServingConfig;
import io.planline.exec.InferenceException;
import io.planline.exec.InferenceService;
import io.planline.exec.RequestTimes;
import io.planline.metrics.Outcome;
import io.planline.metrics.PlanlineMetrics;
import io.planline.model.ModelInfo;
import io.planline.model.TensorInfo;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The part of an infer call that every protocol shares (REST in {@link InferHandler}, gRPC in
 * {@code server.grpc}): find the model, refuse one that is not ready, read the request in the
 * protocol's own form, check it against the model's signature ({@link InferBinder}), refuse a
 * response that would be too large, and run it through the runtime's admission; plus counting
 * each call's outcome once in the metrics. Only reading the request and writing the answer
 * differ between protocols, so both answer the same requests with the same messages.
 */
@Singleton
public final class InferCalls {

  private final InferenceService service;
  private final ModelLookup lookup;
  private final PlanlineMetrics metrics;
  private final ServingConfig config;

  InferCalls(InferenceService service, ModelLookup lookup, PlanlineMetrics metrics,
      ServingConfig config) {
    this.service = service;
    this.lookup = lookup;
    this.metrics = metrics;
    this.config = config;
  }

  /**
   * A successful run: the model that answered, the request as read, and every output of the
   * model (bound shapes), in signature order.
   */
  public record Answer(ModelInfo model, InferRequest request, List<HostTensor> outputs) {
    public Answer {
      requireNonNull(model, "model");
      requireNonNull(request, "request");
      outputs = List.copyOf(outputs);
    }
  }

  /** How large a protocol's answer can get, known from the plan before anything runs. */
  public interface ResponseBound {

    /** The most bytes the answer to {@code request} takes when the model returns {@code outputs}. */
    long maxBytes(ModelInfo model, InferRequest request, List<TensorInfo> outputs);

    /** What the client could do to shrink the answer, starting with "; ", or empty. */
    default String hint(InferRequest request) {
      return "";
    }
  }

  /**
   * One call's outcome, counted once: whichever of answer, failure and cancellation is reported
   * first is the one {@code planline_requests_total} and the statistics see.
   */
  public final class Tally {
    private final String label;
    private final RequestTimes times = RequestTimes.start();
    /** The version counted under: the one the call names, then the one that answers. */
    private final AtomicReference<String> version;
    private final AtomicBoolean counted = new AtomicBoolean();

    private Tally(String label, String version) {
      this.label = label;
      this.version = new AtomicReference<>(version);
    }

    /** Counts {@code outcome} unless an earlier one was counted. */
    public void finish(Outcome outcome) {
      if (counted.compareAndSet(false, true)) {
        long now = System.nanoTime();
        metrics.requestFinished(label, version.get(), outcome, now - times.arrived(),
            outcome == Outcome.SUCCESS && times.executed() ? times.phases(now) : null);
      }
    }

    /** Counts the outcome of a call that ended with {@code failure}, refusals included. */
    public void fail(Throwable failure) {
      if (failure instanceof InferenceException.Overloaded o && !counted.get()) {
        metrics.admissionRefused(o.reason());
      }
      finish(ErrorResponses.outcome(failure));
    }
  }

  /**
   * Starts timing a call that names {@code model} and {@code version} (its metrics labels: the
   * name, or unknown; the version named, if known, until the one that answers is).
   */
  public Tally start(String model, @Nullable String version) {
    return new Tally(lookup.label(model), lookup.versionLabel(model, version));
  }

  /**
   * Runs one infer call: resolves {@code model} at {@code version}, refuses it while not ready
   * ({@link InferenceException.Overloaded} with reason {@code not_ready}), reads the request
   * with {@code read}, binds it and runs it. Failures are the typed exceptions that
   * {@link ErrorResponses#status} maps; nothing happens before subscription, and cancelling the
   * subscription cancels the request in the runtime (which frees its memory).
   */
  public Mono<Answer> run(Tally tally, String model, @Nullable String version,
      Function<ModelInfo, InferRequest> read, ResponseBound bound) {
    return Mono.defer(() -> {
      ModelInfo info = lookup.resolve(model, version);
      tally.version.set(info.version());
      if (!service.ready(info.name(), info.version())) {
        throw new InferenceException.Overloaded("not_ready", "model '" + info.name()
            + "' version '" + info.version() + "' is not ready" + service.index().stream()
                .filter(m -> m.name().equals(info.name()) && m.version().equals(info.version())
                    && !m.reason().isEmpty())
                .map(m -> " (" + m.state() + ": " + m.reason() + ")").findFirst().orElse(""));
      }
      InferRequest request = read.apply(info);
      InferBinder.checkOutputs(info, request);
      Map<String, HostTensor> inputs = InferBinder.inputs(info, request);
      tally.times.inputsDecoded();
      return service.infer(info.name(), info.version(), inputs,
              outputs -> checkResponseSize(info, request, outputs, bound), tally.times)
          .map(outputs -> new Answer(info, request, outputs));
    });
  }

  /** Refuses, before it runs, a request whose response could exceed the configured limit. */
  private void checkResponseSize(ModelInfo info, InferRequest request, List<TensorInfo> outputs,
      ResponseBound bound) {
    long limit = config.limits().maxResponseBytes();
    long bytes;
    try {
      bytes = bound.maxBytes(info, request, outputs);
    } catch (ArithmeticException e) {
      bytes = Long.MAX_VALUE;
    }
    if (bytes > limit) {
      throw new InferenceException.BadInput("the response would take up to " + bytes
          + " bytes, over planline.max-response-bytes (" + limit + "); outputs "
          + outputs.stream().map(o -> "'" + o.name() + "' " + Datatype.of(o.dtype()) + " "
              + o.shape()).toList()
          + bound.hint(request) + ", or send a smaller batch");
    }
  }
}
