package io.planline.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.server.grpc.v2.ModelConfig;
import io.planline.server.grpc.v2.ModelConfigRequest;
import io.planline.server.grpc.v2.ModelMetadataRequest;
import io.planline.server.grpc.v2.ModelMetadataResponse;
import io.planline.server.grpc.v2.ModelReadyRequest;
import io.planline.server.grpc.v2.ModelStatisticsRequest;
import io.planline.server.grpc.v2.ModelStatisticsResponse;
import io.planline.server.grpc.v2.RepositoryIndexRequest;
import io.planline.server.grpc.v2.RepositoryIndexResponse;
import io.planline.server.grpc.v2.ServerLiveRequest;
import io.planline.server.grpc.v2.ServerMetadataRequest;
import io.planline.server.grpc.v2.ServerMetadataResponse;
import io.planline.server.grpc.v2.ServerReadyRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every call but inference, over a real gRPC channel to the running server, each compared with
 * the answer its REST twin gives on the same server: the two protocols are one implementation.
 */
@MicronautTest
final class GrpcServiceTest extends GrpcServerTest {

  @Test
  void grpcServer_listensOnItsOwnPort_besideHttp() {
    assertTrue(grpc.isRunning());
    assertTrue(grpc.getPort() > 0 && grpc.getPort() != server.getPort(), "gRPC port "
        + grpc.getPort() + ", HTTP port " + server.getPort());
  }

  @Test
  void serverLiveAndReady_true() {
    assertTrue(client.blocking().serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
    assertTrue(client.blocking().serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
    assertEquals(200, client.get("/v2/health/ready").statusCode());
  }

  @Test
  void serverMetadata_sameAsRest() throws Exception {
    ServerMetadataResponse r =
        client.blocking().serverMetadata(ServerMetadataRequest.getDefaultInstance());
    JsonNode rest = GrpcClient.JSON.readTree(client.get("/v2").body());
    assertEquals("planline", r.getName());
    assertEquals(rest.get("name").asText(), r.getName());
    assertEquals(rest.get("version").asText(), r.getVersion());
    List<String> extensions = new ArrayList<>();
    rest.get("extensions").forEach(e -> extensions.add(e.asText()));
    assertEquals(extensions, r.getExtensionsList());
  }

  @ParameterizedTest
  @ValueSource(strings = {"digits-mlp", "digits-cnn", "tiny-gpt"})
  void modelMetadata_sameAsRest(String model) throws Exception {
    ModelMetadataResponse r = client.blocking().modelMetadata(
        ModelMetadataRequest.newBuilder().setName(model).build());
    JsonNode rest = GrpcClient.JSON.readTree(client.get("/v2/models/" + model).body());
    assertEquals(model, r.getName());
    assertEquals(rest.get("platform").asText(), r.getPlatform());
    assertEquals(rest.get("versions").get(0).asText(), r.getVersions(0));
    assertEquals(rest.get("inputs").size(), r.getInputsCount());
    for (int i = 0; i < r.getInputsCount(); i++) {
      ModelMetadataResponse.TensorMetadata t = r.getInputs(i);
      JsonNode want = rest.get("inputs").get(i);
      assertEquals(want.get("name").asText(), t.getName());
      assertEquals(want.get("datatype").asText(), t.getDatatype());
      List<Long> shape = new ArrayList<>();
      want.get("shape").forEach(d -> shape.add(d.asLong()));
      assertEquals(shape, t.getShapeList());
    }
    assertEquals(rest.get("outputs").get(0).get("name").asText(), r.getOutputs(0).getName());
    // The same version asked for by name answers the same.
    assertEquals(r, client.blocking().modelMetadata(ModelMetadataRequest.newBuilder()
        .setName(model).setVersion(r.getVersions(0)).build()));
  }

  @Test
  void modelReady_servedModel_true() {
    assertTrue(client.blocking().modelReady(
        ModelReadyRequest.newBuilder().setName("digits-mlp").build()).getReady());
  }

  @Test
  void modelReadyAndMetadata_unknownModel_notFoundWithRestMessage() throws Exception {
    String restMessage = GrpcClient.JSON.readTree(client.get("/v2/models/no-such-model/ready")
        .body()).get("error").asText();
    StatusRuntimeException ready = GrpcClient.failure(() -> client.blocking().modelReady(
        ModelReadyRequest.newBuilder().setName("no-such-model").build()));
    assertEquals(Status.Code.NOT_FOUND, ready.getStatus().getCode());
    assertEquals(restMessage, ready.getStatus().getDescription());
    assertTrue(restMessage.contains("'no-such-model'") && restMessage.contains("digits-mlp"),
        restMessage);
    StatusRuntimeException version = GrpcClient.failure(() -> client.blocking().modelMetadata(
        ModelMetadataRequest.newBuilder().setName("digits-mlp").setVersion("99").build()));
    assertEquals(Status.Code.NOT_FOUND, version.getStatus().getCode());
    assertTrue(version.getStatus().getDescription().contains("no version '99'"),
        version.getStatus().getDescription());
  }

  /** Outside explicit model control, load and unload are refused as REST refuses them. */
  @Test
  void repositoryLoad_noneMode_invalidArgument() {
    StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
        StatusRuntimeException.class, () -> client.blocking().repositoryModelLoad(
            io.planline.server.grpc.v2.RepositoryModelLoadRequest.newBuilder()
                .setModelName("digits-mlp").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("model-control"), e.toString());
  }

  /** Triton's model configuration over gRPC: REST's answer, field for field. */
  @ParameterizedTest
  @ValueSource(strings = {"digits-mlp", "tiny-gpt"})
  void modelConfig_sameAsRest(String model) throws Exception {
    ModelConfig c = client.blocking().modelConfig(ModelConfigRequest.newBuilder().setName(model)
        .build()).getConfig();
    JsonNode rest = GrpcClient.JSON.readTree(client.get("/v2/models/" + model + "/config").body());
    assertEquals(rest.get("name").asText(), c.getName());
    assertEquals("planline", c.getPlatform());
    assertEquals("planline", c.getBackend());
    assertEquals(rest.get("max_batch_size").asInt(), c.getMaxBatchSize());
    assertEquals(rest.get("input").size(), c.getInputCount());
    for (int i = 0; i < c.getInputCount(); i++) {
      JsonNode in = rest.get("input").get(i);
      assertEquals(in.get("name").asText(), c.getInput(i).getName());
      assertEquals(in.get("data_type").asText(), c.getInput(i).getDataType().name());
      for (int d = 0; d < in.get("dims").size(); d++) {
        assertEquals(in.get("dims").get(d).asLong(), c.getInput(i).getDims(d));
      }
    }
    assertEquals(rest.get("output").get(0).get("data_type").asText(),
        c.getOutput(0).getDataType().name());
    assertEquals(rest.get("parameters").get("planner").get("string_value").asText(),
        c.getParametersOrThrow("planner").getStringValue());
  }

  @Test
  void modelConfig_unknownModel_notFound() {
    StatusRuntimeException e = GrpcClient.failure(() -> client.blocking().modelConfig(
        ModelConfigRequest.newBuilder().setName("no-such-model").build()));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("'no-such-model'"), e.toString());
  }

  /** Triton's calls planline does not serve (here ModelStreamInfer) fail as UNIMPLEMENTED. */
  @Test
  void tritonStreamInfer_unimplemented() {
    MethodDescriptor<ModelMetadataRequest, ModelMetadataResponse> stream =
        MethodDescriptor.<ModelMetadataRequest, ModelMetadataResponse>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("inference.GRPCInferenceService/ModelStreamInfer")
            .setRequestMarshaller(ProtoUtils.marshaller(ModelMetadataRequest.getDefaultInstance()))
            .setResponseMarshaller(
                ProtoUtils.marshaller(ModelMetadataResponse.getDefaultInstance()))
            .build();
    StatusRuntimeException e = GrpcClient.failure(() -> ClientCalls.blockingUnaryCall(
        client.blocking().getChannel(), stream, CallOptions.DEFAULT,
        ModelMetadataRequest.newBuilder().setName("digits-mlp").build()));
    assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
  }

  @Test
  void repositoryIndex_sameAsRest() throws Exception {
    RepositoryIndexResponse r = client.blocking().repositoryIndex(
        RepositoryIndexRequest.getDefaultInstance());
    JsonNode rest = GrpcClient.JSON.readTree(client.post("/v2/repository/index", "").body());
    assertEquals(rest.size(), r.getModelsCount());
    for (int i = 0; i < rest.size(); i++) {
      assertEquals(rest.get(i).get("name").asText(), r.getModels(i).getName());
      assertEquals(rest.get(i).get("version").asText(), r.getModels(i).getVersion());
      assertEquals("READY", r.getModels(i).getState());
    }
    assertEquals(r, client.blocking().repositoryIndex(
        RepositoryIndexRequest.newBuilder().setReady(true).build()));
  }

  @Test
  void modelStatistics_sameAsRest_allOneModelAndOneVersion() throws Exception {
    ModelStatisticsResponse all = client.blocking().modelStatistics(
        ModelStatisticsRequest.getDefaultInstance());
    JsonNode rest = GrpcClient.JSON.readTree(client.get("/v2/models/stats").body());
    assertEquals(rest.get("model_stats").size(), all.getModelStatsCount());
    for (int i = 0; i < all.getModelStatsCount(); i++) {
      JsonNode want = rest.get("model_stats").get(i);
      var got = all.getModelStats(i);
      assertEquals(want.get("name").asText(), got.getName());
      assertEquals(want.get("inference_count").asLong(), got.getInferenceCount());
      assertEquals(want.get("inference_stats").get("success").get("count").asLong(),
          got.getInferenceStats().getSuccess().getCount());
      assertEquals(want.get("inference_stats").get("fail").get("ns").asLong(),
          got.getInferenceStats().getFail().getNs());
    }
    ModelStatisticsResponse one = client.blocking().modelStatistics(
        ModelStatisticsRequest.newBuilder().setName("tiny-gpt").build());
    assertEquals(1, one.getModelStatsCount());
    assertEquals("tiny-gpt", one.getModelStats(0).getName());
    String version = one.getModelStats(0).getVersion();
    assertEquals(one, client.blocking().modelStatistics(ModelStatisticsRequest.newBuilder()
        .setName("tiny-gpt").setVersion(version).build()));
    StatusRuntimeException unknown = GrpcClient.failure(() -> client.blocking().modelStatistics(
        ModelStatisticsRequest.newBuilder().setName("no-such-model").build()));
    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
  }
}
