package io.planline.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.exec.LocalInferenceService;
import io.planline.server.grpc.v2.ModelReadyRequest;
import io.planline.server.grpc.v2.ServerLiveRequest;
import io.planline.server.grpc.v2.ServerReadyRequest;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * While the server drains (SIGTERM's first step), gRPC clients hear it as REST clients do:
 * readiness answers {@code ready: false}, liveness stays true, and a new inference is refused
 * with UNAVAILABLE, REST's 503 message and the retry delay, counted as a {@code not_ready}
 * refusal.
 */
@MicronautTest
final class GrpcDrainTest extends GrpcServerTest {

  @Inject
  LocalInferenceService runtime;

  @Test
  void draining_notReadyAndInferUnavailable() throws Exception {
    String refusals = "planline_admission_refusals_total{reason=\"not_ready\"} ";
    double before = client.counter(refusals);
    runtime.drain().get(30, TimeUnit.SECONDS);

    assertTrue(client.blocking().serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
    assertFalse(client.blocking().serverReady(ServerReadyRequest.getDefaultInstance())
        .getReady());
    assertFalse(client.blocking().modelReady(ModelReadyRequest.newBuilder()
        .setName("digits-mlp").build()).getReady());
    assertEquals(503, client.get("/v2/health/ready").statusCode());

    StatusRuntimeException e = GrpcClient.failure(() -> client.blocking()
        .modelInfer(GrpcClient.sampleRequest("digits-mlp", true)));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    String rest = GrpcClient.JSON.readTree(client.post("/v2/models/digits-mlp/infer",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1],\"datatype\":\"FP32\",\"data\":[0]}]}")
        .body()).get("error").asText();
    assertEquals(rest, e.getStatus().getDescription());
    assertEquals("1000", e.getTrailers().get(
        Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER)));
    assertEquals(before + 2, client.counter(refusals), "the gRPC and the REST call counted");
  }
}
