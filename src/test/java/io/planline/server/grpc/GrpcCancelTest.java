package io.planline.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.exec.LocalInferenceService;
import io.planline.server.Settled;
import io.planline.server.grpc.v2.ModelInferRequest;
import io.planline.server.grpc.v2.ModelInferResponse;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A gRPC call that the client cancels while it runs cancels the request's Mono: the runtime
 * stops it, its memory returns to the baseline and it is counted as {@code cancelled}, exactly
 * as when a REST client disconnects.
 */
@MicronautTest
final class GrpcCancelTest extends GrpcServerTest {

  @Inject
  LocalInferenceService runtime;

  @Test
  void infer_clientCancels_runtimeStopsMemoryFreedAndCounted() throws Exception {
    String cancelled = "planline_requests_total{model=\"tiny-gpt\",outcome=\"cancelled\"} ";
    double before = client.counter(cancelled);
    long baseline = runtime.executor().backend().bytesInUse();
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    Context.CancellableContext context = Context.current().withCancellation();
    context.run(() -> client.async().modelInfer(heavy(64), new StreamObserver<>() {
      @Override
      public void onNext(ModelInferResponse value) {
        ended.completeExceptionally(new AssertionError("answered before it was cancelled"));
      }

      @Override
      public void onError(Throwable t) {
        ended.complete(t);
      }

      @Override
      public void onCompleted() {
        ended.completeExceptionally(new AssertionError("completed before it was cancelled"));
      }
    }));
    for (int i = 0; i < 1000 && runtime.admission().running() == 0; i++) {
      Thread.sleep(5);
    }
    assertEquals(1, runtime.admission().running(), "the request never started");
    context.cancel(null);
    Throwable t = ended.get(30, TimeUnit.SECONDS);
    assertTrue(t instanceof StatusRuntimeException s
        && s.getStatus().getCode() == Status.Code.CANCELLED, String.valueOf(t));
    Settled.nothingRunning(runtime);
    Settled.memoryBack(runtime, baseline);
    assertEquals(before + 1, client.counter(cancelled));
  }

  /** tiny-gpt on {@code batch} sequences of 64 tokens, raw: long enough to cancel midway. */
  static ModelInferRequest heavy(int batch) {
    ByteBuffer tokens = ByteBuffer.allocate(batch * 64 * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < batch * 64; i++) {
      tokens.putLong(i % 256);
    }
    ModelInferRequest.Builder r = ModelInferRequest.newBuilder().setModelName("tiny-gpt");
    r.addInputsBuilder().setName("tokens").setDatatype("INT64").addShape(batch).addShape(64);
    return r.addRawInputContents(ByteString.copyFrom(tokens.flip())).build();
  }
}
