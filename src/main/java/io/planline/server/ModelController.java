package io.planline.server;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.planline.backend.HostTensor;
import io.planline.exec.InferenceException;
import io.planline.exec.InferenceService;
import io.planline.metrics.Outcome;
import io.planline.metrics.PlanlineMetrics;
import io.planline.model.ModelInfo;
import io.planline.model.TensorInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Per-model endpoints: metadata, readiness and inference, with and without a version
 * ({@code /v2/models/{m}[/versions/{v}][/ready|/infer]}).
 */
@Controller("/v2/models")
final class ModelController {

  private final InferenceService service;
  private final ModelLookup lookup;
  private final ErrorResponses errors;
  private final PlanlineMetrics metrics;

  ModelController(InferenceService service, ModelLookup lookup, ErrorResponses errors,
      PlanlineMetrics metrics) {
    this.service = service;
    this.lookup = lookup;
    this.errors = errors;
    this.metrics = metrics;
  }

  /** Metadata of the default version. */
  @Get(uri = "/{model}", produces = MediaType.APPLICATION_JSON)
  Map<String, Object> metadata(String model) {
    return metadataOf(lookup.resolve(model, null));
  }

  /** Metadata of one version. */
  @Get(uri = "/{model}/versions/{version}", produces = MediaType.APPLICATION_JSON)
  Map<String, Object> metadata(String model, String version) {
    return metadataOf(lookup.resolve(model, version));
  }

  /** 200 when the default version can take requests, else 503. */
  @Get("/{model}/ready")
  HttpResponse<?> ready(String model) {
    return readiness(lookup.resolve(model, null));
  }

  /** 200 when the version can take requests, else 503. */
  @Get("/{model}/versions/{version}/ready")
  HttpResponse<?> ready(String model, String version) {
    return readiness(lookup.resolve(model, version));
  }

  /** Inference on the default version. */
  @Post(uri = "/{model}/infer", consumes = MediaType.ALL)
  Mono<HttpResponse<?>> infer(String model,
      @Header(InferRequestReader.HEADER_LENGTH) @Nullable String headerLength,
      @Body @io.micronaut.core.annotation.Nullable byte[] body, HttpRequest<?> request) {
    return run(model, null, headerLength, body).takeUntilOther(disconnected(request));
  }

  /** Inference on one version. */
  @Post(uri = "/{model}/versions/{version}/infer", consumes = MediaType.ALL)
  Mono<HttpResponse<?>> infer(String model, String version,
      @Header(InferRequestReader.HEADER_LENGTH) @Nullable String headerLength,
      @Body @io.micronaut.core.annotation.Nullable byte[] body, HttpRequest<?> request) {
    return run(model, version, headerLength, body).takeUntilOther(disconnected(request));
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

  private Mono<HttpResponse<?>> run(String model, @Nullable String version,
      @Nullable String headerLength, byte @Nullable [] body) {
    long start = System.nanoTime();
    String label = lookup.label(model);
    // Counted once: a subscriber may cancel after the answer arrived (a single-value response is
    // often consumed that way), which is not a cancelled request.
    java.util.concurrent.atomic.AtomicBoolean answered =
        new java.util.concurrent.atomic.AtomicBoolean();
    return Mono.<HttpResponse<?>>defer(() -> {
      ModelInfo info = lookup.resolve(model, version);
      if (!service.ready(info.name(), info.version())) {
        throw new NotReady("model '" + info.name() + "' version '" + info.version()
            + "' is not ready");
      }
      InferRequest request = InferRequestReader.read(body == null ? new byte[0] : body,
          headerLength);
      InferBinder.checkOutputs(info, request);
      Map<String, HostTensor> inputs = InferBinder.inputs(info, request);
      return service.infer(info.name(), info.version(), inputs)
          .map(outputs -> (HttpResponse<?>) InferResponseWriter.write(info, request, outputs));
    }).onErrorResume(failure -> Mono.<HttpResponse<?>>just(refuse(failure)))
        .doOnNext(response -> {
          answered.set(true);
          metrics.requestFinished(label, outcome(response), since(start));
        })
        .doOnCancel(() -> {
          if (answered.compareAndSet(false, true)) {
            metrics.requestFinished(label, Outcome.CANCELLED, since(start));
          }
        });
  }

  private MutableHttpResponse<?> refuse(Throwable failure) {
    if (failure instanceof NotReady) {
      metrics.admissionRefused("not_ready");
      return errors.error(HttpStatus.SERVICE_UNAVAILABLE, failure.getMessage());
    }
    if (failure instanceof InferenceException.Overloaded o) {
      metrics.admissionRefused(o.reason());
    }
    return errors.respond(failure);
  }

  private static Outcome outcome(HttpResponse<?> response) {
    return switch (response.status()) {
      case OK -> Outcome.SUCCESS;
      case BAD_REQUEST -> Outcome.BAD_REQUEST;
      case NOT_FOUND -> Outcome.NOT_FOUND;
      case REQUEST_ENTITY_TOO_LARGE -> Outcome.TOO_LARGE;
      case SERVICE_UNAVAILABLE -> Outcome.REFUSED;
      default -> Outcome.FAILED;
    };
  }

  private static double since(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private HttpResponse<?> readiness(ModelInfo info) {
    if (service.ready(info.name(), info.version())) {
      return HttpResponse.ok();
    }
    return errors.error(HttpStatus.SERVICE_UNAVAILABLE, "model '" + info.name() + "' version '"
        + info.version() + "' is not ready");
  }

  private Map<String, Object> metadataOf(ModelInfo info) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", info.name());
    m.put("versions", lookup.versions(info.name()));
    m.put("platform", "planline");
    m.put("inputs", tensors(info.inputs()));
    m.put("outputs", tensors(info.outputs()));
    return m;
  }

  private static List<Map<String, Object>> tensors(List<TensorInfo> tensors) {
    return tensors.stream().map(t -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", t.name());
      m.put("datatype", Datatype.of(t.dtype()).name());
      m.put("shape", t.shape());
      return m;
    }).toList();
  }

  /** The model exists but cannot take requests yet (503, counted as a refusal). */
  private static final class NotReady extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotReady(String message) {
      super(message);
    }
  }
}
