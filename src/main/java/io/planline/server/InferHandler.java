package io.planline.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
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
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One infer request from body to answer: parse, bind, refuse a response that would be too large,
 * run, stream the answer, and count the outcome once it is known.
 *
 * <p>Every answer is declared as {@code HttpResponse<byte[]>}: Micronaut writes a streamed body
 * of a route whose body type is {@code byte[]} as raw bytes, where for any other declared type
 * it would frame the chunks of a JSON response as a JSON array.
 */
@Singleton
final class InferHandler {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final InferenceService service;
  private final ModelLookup lookup;
  private final ErrorResponses errors;
  private final PlanlineMetrics metrics;
  private final ServingConfig config;

  InferHandler(InferenceService service, ModelLookup lookup, ErrorResponses errors,
      PlanlineMetrics metrics, ServingConfig config) {
    this.service = service;
    this.lookup = lookup;
    this.errors = errors;
    this.metrics = metrics;
    this.config = config;
  }

  /** The answer to an infer request; cancelled when the client's connection closes first. */
  Mono<HttpResponse<byte[]>> run(String model, @Nullable String version,
      @Nullable String headerLength, byte @Nullable [] body, HttpRequest<?> http) {
    RequestTimes times = RequestTimes.start();
    String label = lookup.label(model);
    // A request the path cannot resolve counts under the version it names, if known.
    AtomicReference<String> versionLabel =
        new AtomicReference<>(lookup.versionLabel(model, version));
    // Counted once, when the answer has been written or given up on. A subscriber may cancel
    // the Mono after the response arrived (a single-value response is often consumed that way),
    // which is not a cancelled request; a streamed body that the client stops taking is.
    AtomicBoolean counted = new AtomicBoolean();
    AtomicBoolean responded = new AtomicBoolean();
    Consumer<Outcome> finish = outcome -> {
      if (counted.compareAndSet(false, true)) {
        long now = System.nanoTime();
        metrics.requestFinished(label, versionLabel.get(), outcome, now - times.arrived(),
            outcome == Outcome.SUCCESS && times.executed() ? times.phases(now) : null);
      }
    };
    return Mono.<HttpResponse<byte[]>>defer(() -> {
      ModelInfo info = lookup.resolve(model, version);
      versionLabel.set(info.version());
      if (!service.ready(info.name(), info.version())) {
        throw new NotReady("model '" + info.name() + "' version '" + info.version()
            + "' is not ready" + service.index().stream()
                .filter(m -> m.name().equals(info.name()) && m.version().equals(info.version())
                    && !m.reason().isEmpty())
                .map(m -> " (" + m.state() + ": " + m.reason() + ")").findFirst().orElse(""));
      }
      InferRequest request = InferRequestReader.read(body == null ? new byte[0] : body,
          headerLength);
      InferBinder.checkOutputs(info, request);
      Map<String, HostTensor> inputs = InferBinder.inputs(info, request);
      times.inputsDecoded();
      return service.infer(info.name(), info.version(), inputs,
              outputs -> checkResponseSize(info, request, outputs), times)
          .map(outputs -> {
            byte[] whole = InferResponseWriter.small(info, request, outputs);
            if (whole == null) {
              return streamed(InferResponseWriter.write(info, request, outputs), finish);
            }
            finish.accept(Outcome.SUCCESS);
            return HttpResponse.ok(whole).contentType(MediaType.APPLICATION_JSON_TYPE);
          });
    }).onErrorResume(failure -> Mono.just(refuse(failure)))
        .doOnNext(response -> {
          responded.set(true);
          if (response.status() != HttpStatus.OK) {
            finish.accept(ErrorResponses.outcome(response.status()));
          }
        })
        .doOnCancel(() -> {
          if (!responded.get()) {
            finish.accept(Outcome.CANCELLED);
          }
        })
        .takeUntilOther(disconnected(http));
  }

  /**
   * The streamed response, counted when its body ends: {@code success} only once the last chunk
   * was taken, {@code cancelled} when the connection went away first (the write failed or the
   * client left), {@code failed} when encoding failed.
   */
  @SuppressWarnings("unchecked") // declared byte[] so that Micronaut writes the chunks raw
  private static MutableHttpResponse<byte[]> streamed(MutableHttpResponse<Flux<byte[]>> response,
      Consumer<Outcome> finish) {
    Flux<byte[]> body = response.body()
        .doOnComplete(() -> finish.accept(Outcome.SUCCESS))
        .doOnError(e -> finish.accept(Outcome.FAILED))
        .doOnCancel(() -> finish.accept(Outcome.CANCELLED));
    return (MutableHttpResponse<byte[]>) (MutableHttpResponse<?>) response.body(body);
  }

  /** Refuses, before it runs, a request whose response could exceed the configured limit. */
  private void checkResponseSize(ModelInfo info, InferRequest request, List<TensorInfo> outputs) {
    long limit = config.limits().maxResponseBytes();
    long bytes;
    try {
      bytes = InferResponseWriter.maxBytes(info, request, outputs);
    } catch (ArithmeticException e) {
      bytes = Long.MAX_VALUE;
    }
    if (bytes > limit) {
      boolean json = request.outputs().isEmpty() ? !request.binaryOutputs()
          : request.outputs().stream().anyMatch(o -> !o.binary());
      throw new InferenceException.BadInput("the response would take up to " + bytes
          + " bytes, over planline.max-response-bytes (" + limit + "); outputs "
          + outputs.stream().map(o -> "'" + o.name() + "' " + Datatype.of(o.dtype()) + " "
              + o.shape()).toList()
          + (json ? "; binary outputs (parameters.binary_data_output) take 4 to 16 times less"
              + " than JSON" : "") + ", or send a smaller batch");
    }
  }

  /** An error answer, its {@code {"error": ...}} body already encoded. */
  private MutableHttpResponse<byte[]> refuse(Throwable failure) {
    MutableHttpResponse<Map<String, String>> r;
    if (failure instanceof NotReady) {
      metrics.admissionRefused("not_ready");
      r = errors.error(HttpStatus.SERVICE_UNAVAILABLE, failure.getMessage());
    } else {
      if (failure instanceof InferenceException.Overloaded o) {
        metrics.admissionRefused(o.reason());
      }
      r = errors.respond(failure);
    }
    try {
      return r.body(JSON.writeValueAsBytes(r.body()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode an error body", e);
    }
  }

  /**
   * Signals when the client's connection closes, so that a client that goes away cancels its
   * request (the runtime then frees its memory). Micronaut does not cancel a pending single
   * response on its own. The listener is removed when the request ends first, so a keep-alive
   * connection does not collect one per request.
   */
  private static Mono<Boolean> disconnected(HttpRequest<?> request) {
    if (!(request instanceof NettyHttpRequest<?> netty)) {
      return Mono.never();
    }
    ChannelFuture closed = netty.getChannelHandlerContext().channel().closeFuture();
    return Mono.create(sink -> {
      GenericFutureListener<Future<? super Void>> listener = f -> sink.success(true);
      closed.addListener(listener);
      sink.onDispose(() -> closed.removeListener(listener));
    });
  }

  /** The model exists but cannot take requests yet (503, counted as a refusal). */
  private static final class NotReady extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotReady(String message) {
      super(message);
    }
  }
}
