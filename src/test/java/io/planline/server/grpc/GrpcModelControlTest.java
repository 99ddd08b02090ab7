package io.planline.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micronaut.context.annotation.Property;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.server.grpc.v2.ModelReadyRequest;
import io.planline.server.grpc.v2.ModelRepositoryParameter;
import io.planline.server.grpc.v2.RepositoryModelLoadRequest;
import io.planline.server.grpc.v2.RepositoryModelUnloadRequest;
import org.junit.jupiter.api.Test;

/**
 * Triton's repository load and unload over gRPC with {@code planline.model-control: explicit}:
 * the same model control as REST's calls, with REST's messages as status descriptions.
 */
@MicronautTest
@Property(name = "planline.model-control", value = "explicit")
final class GrpcModelControlTest extends GrpcServerTest {

  private boolean ready(String model) {
    return client.blocking().modelReady(ModelReadyRequest.newBuilder().setName(model).build())
        .getReady();
  }

  @Test
  void unloadThenLoad_overGrpc_modelGoesAndComesBack() {
    assertTrue(ready("digits-mlp"));
    client.blocking().repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder()
        .setModelName("digits-mlp").putParameters("unload_dependents",
            ModelRepositoryParameter.newBuilder().setBoolParam(false).build()).build());
    // as REST's ready call: a model that is not loaded is not found, saying how to load it
    StatusRuntimeException notLoaded = assertThrows(StatusRuntimeException.class,
        () -> ready("digits-mlp"));
    assertEquals(Status.Code.NOT_FOUND, notLoaded.getStatus().getCode());
    assertTrue(notLoaded.getStatus().getDescription().contains("is not loaded"),
        notLoaded.toString());
    StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
        () -> client.blocking().modelInfer(GrpcClient.sampleRequest("digits-mlp", true)));
    assertTrue(gone.getStatus().getDescription().contains("digits-mlp"),
        gone.getStatus().toString());
    client.blocking().repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
        .setModelName("digits-mlp").build());
    assertTrue(ready("digits-mlp"));
    assertEquals(1, client.blocking().modelInfer(GrpcClient.sampleRequest("digits-mlp", true))
        .getOutputsCount());
  }

  @Test
  void loadUnknownModel_notFoundNamingIt() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> client.blocking().repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
            .setModelName("no-such-model").build()));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("'no-such-model'"), e.toString());
  }

  @Test
  void loadWithConfigOverride_refusedAsRestRefusesIt() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> client.blocking().repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
            .setModelName("digits-cnn").putParameters("config",
                ModelRepositoryParameter.newBuilder().setStringParam("{}").build()).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("'config' is not supported"),
        e.toString());
  }
}
