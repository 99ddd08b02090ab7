package io.planline.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.micronaut.context.annotation.Property;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.server.grpc.v2.ModelInferResponse;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * gRPC calls go through the same admission and limits as REST: with one request executing and
 * no queue, simultaneous heavy calls beyond the first are refused with UNAVAILABLE, REST's 503
 * message and the retry delay as {@code grpc-retry-pushback-ms}, and counted as refusals; a
 * message over {@code planline.max-request-bytes} is refused with RESOURCE_EXHAUSTED.
 */
@MicronautTest
@Property(name = "planline.max-concurrent-requests", value = "1")
@Property(name = "planline.queue-capacity", value = "0")
@Property(name = "planline.retry-after-seconds", value = "3")
@Property(name = "planline.max-request-bytes", value = "65536")
final class GrpcOverloadTest {

  private static final Metadata.Key<String> PUSHBACK =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  @Inject
  EmbeddedServer server;

  @Inject
  GrpcEmbeddedServer grpc;

  @Test
  void infer_messageOverMaxRequestBytes_resourceExhausted() throws Exception {
    try (GrpcClient client = new GrpcClient(grpc, server)) {
      // 128 sequences of 64 INT64 tokens: 64 KiB of raw data, over the limit with its framing.
      StatusRuntimeException e = GrpcClient.failure(() -> client.blocking()
          .modelInfer(GrpcCancelTest.heavy(128)));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
    }
  }

  @Test
  void infer_queueFull_unavailableWithPushbackAndRefusalCounted() throws Exception {
    try (GrpcClient client = new GrpcClient(grpc, server)) {
      String refusals = "planline_admission_refusals_total{reason=\"queue_full\"} ";
      double before = client.counter(refusals);
      List<CompletableFuture<Object>> calls = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        CompletableFuture<Object> call = new CompletableFuture<>();
        client.async().modelInfer(GrpcCancelTest.heavy(32), new StreamObserver<>() {
          @Override
          public void onNext(ModelInferResponse value) {
            call.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            call.complete(t);
          }

          @Override
          public void onCompleted() {}
        });
        calls.add(call);
      }
      int ok = 0;
      int refused = 0;
      for (CompletableFuture<Object> call : calls) {
        Object result = call.get(60, TimeUnit.SECONDS);
        if (result instanceof StatusRuntimeException e) {
          assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
          assertTrue(e.getStatus().getDescription().contains("queue is full"), e.toString());
          assertEquals("3000", e.getTrailers().get(PUSHBACK));
          refused++;
        } else {
          assertTrue(result instanceof ModelInferResponse, String.valueOf(result));
          ok++;
        }
      }
      assertTrue(ok >= 1 && refused >= 1, ok + " served, " + refused + " refused");
      assertEquals(before + refused, client.counter(refusals));
    }
  }
}
