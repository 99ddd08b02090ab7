package io.planline.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.planline.backend.HostTensor;
import io.planline.metrics.Outcome;
import io.planline.model.ModelInfo;
import io.planline.model.TensorInfo;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One infer request over REST from body to answer: the shared steps ({@link InferCalls}) with the
 * JSON or binary body read by {@link InferRequestReader}, the answer streamed by
 * {@link InferResponseWriter}, and the outcome counted once it is known.
 *
 * <p>Every answer is declared as {@code HttpResponse<byte[]>}: Micronaut writes a streamed body
 * of a route whose body type is {@code byte[]} as raw bytes, where for any other declared type
 * it would frame the chunks of a JSON response as a JSON array.
 */
@Singleton
final class InferHandler {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The REST answer's size: JSON text or binary data, as the request asks. */
  private static final InferCalls.ResponseBound BOUND = new InferCalls.ResponseBound() {
    @Override
    public long maxBytes(ModelInfo model, InferRequest request, List<TensorInfo> outputs) {
      return InferResponseWriter.maxBytes(model, request, outputs);
    }

    @Override
    public String hint(InferRequest request) {
      boolean json = request.outputs().isEmpty() ? !request.binaryOutputs()
          : request.outputs().stream().anyMatch(o -> !o.binary());
      return json ? "; binary outputs (parameters.binary_data_output) take 4 to 16 times less"
          + " than JSON" : "";
    }
  };

  private final InferCalls calls;
  private final ErrorResponses errors;

  InferHandler(InferCalls calls, ErrorResponses errors) {
    this.calls = calls;
    this.errors = errors;
  }

  /** The answer to an infer request; cancelled when the client's connection closes first. */
  Mono<HttpResponse<byte[]>> run(String model, @Nullable String version,
      @Nullable String headerLength, byte @Nullable [] body, HttpRequest<?> http) {
    // Counted once, when the answer has been written or given up on. A subscriber may cancel
    // the Mono after the response arrived (a single-value response is often consumed that way),
    // which is not a cancelled request; a streamed body that the client stops taking is.
    InferCalls.Tally tally = calls.start(model, version);
    AtomicBoolean responded = new AtomicBoolean();
    return calls.run(tally, model, version,
            info -> InferRequestReader.read(body == null ? new byte[0] : body, headerLength),
            BOUND)
        .<HttpResponse<byte[]>>map(answer -> {
          byte[] whole;
          try {
            whole = InferResponseWriter.small(answer.model(), answer.request(),
                answer.outputs());
          } catch (RuntimeException e) {
            HostTensor.releaseAll(answer.outputs());
            throw e;
          }
          if (whole == null) {
            return streamed(InferResponseWriter.write(answer.model(), answer.request(),
                answer.outputs()), tally, answer.outputs());
          }
          HostTensor.releaseAll(answer.outputs());
          tally.finish(Outcome.SUCCESS);
          return HttpResponse.ok(whole).contentType(MediaType.APPLICATION_JSON_TYPE);
        })
        .onErrorResume(failure -> {
          tally.fail(failure);
          return Mono.just(refuse(failure));
        })
        .doOnNext(response -> responded.set(true))
        .doOnCancel(() -> {
          if (!responded.get()) {
            tally.finish(Outcome.CANCELLED);
          }
        })
        .takeUntilOther(disconnected(http));
  }

  /**
   * The streamed response, counted when its body ends: {@code success} only once the last chunk
   * was taken, {@code cancelled} when the connection went away first (the write failed or the
   * client left), {@code failed} when encoding failed. The results are released when the body
   * ends either way: the body is written from them, and lent ones go back to the backend.
   */
  @SuppressWarnings("unchecked") // declared byte[] so that Micronaut writes the chunks raw
  private static MutableHttpResponse<byte[]> streamed(MutableHttpResponse<Flux<byte[]>> response,
      InferCalls.Tally tally, List<HostTensor> results) {
    Flux<byte[]> body = response.body()
        .doOnComplete(() -> tally.finish(Outcome.SUCCESS))
        .doOnError(e -> tally.finish(Outcome.FAILED))
        .doOnCancel(() -> tally.finish(Outcome.CANCELLED))
        .doFinally(signal -> HostTensor.releaseAll(results));
    return (MutableHttpResponse<byte[]>) (MutableHttpResponse<?>) response.body(body);
  }

  /** An error answer, its {@code {"error": ...}} body already encoded. */
  private MutableHttpResponse<byte[]> refuse(Throwable failure) {
    MutableHttpResponse<Map<String, String>> r = errors.respond(failure);
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
}
