package io.planline.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.backend.HostTensor;
import io.planline.server.grpc.v2.InferParameter;
import io.planline.server.grpc.v2.ModelInferRequest;
import io.planline.server.grpc.v2.ModelInferResponse;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Inference over gRPC on the built-in models returns PyTorch's numbers (each model's sample),
 * with typed and with raw tensor contents, and the same numbers as the same request over REST.
 */
@MicronautTest
final class GrpcInferTest extends GrpcServerTest {

  @ParameterizedTest
  @ValueSource(strings = {"digits-mlp", "digits-cnn", "tiny-gpt"})
  void infer_typedContents_typedAnswerMatchesPyTorch(String model) {
    ModelInferResponse r = client.blocking().modelInfer(GrpcClient.sampleRequest(model, false));
    assertEquals(0, r.getRawOutputContentsCount(), "a typed request is answered typed");
    ModelInferResponse.InferOutputTensor out = r.getOutputs(0);
    float[] got = new float[out.getContents().getFp32ContentsCount()];
    for (int i = 0; i < got.length; i++) {
      got[i] = out.getContents().getFp32Contents(i);
    }
    assertMatchesSample(model, r, got);
  }

  @ParameterizedTest
  @ValueSource(strings = {"digits-mlp", "digits-cnn", "tiny-gpt"})
  void infer_rawContents_rawAnswerMatchesPyTorch(String model) {
    ModelInferResponse r = client.blocking().modelInfer(GrpcClient.sampleRequest(model, true));
    assertEquals(r.getOutputsCount(), r.getRawOutputContentsCount(), "one raw entry per output");
    assertFalse(r.getOutputs(0).hasContents(), "raw answers carry no typed contents");
    assertMatchesSample(model, r, GrpcClient.floats(r.getRawOutputContents(0)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"digits-mlp", "tiny-gpt"})
  void infer_sameRequestOverRest_sameNumbers(String model) throws Exception {
    ModelInferRequest request = GrpcClient.sampleRequest(model, true);
    ModelInferResponse r = client.blocking().modelInfer(request);
    ObjectNode body = GrpcClient.JSON.createObjectNode();
    ArrayNode inputs = body.putArray("inputs");
    GrpcClient.sample(model).get("inputs").fields().forEachRemaining(e -> {
      ObjectNode in = inputs.addObject().put("name", e.getKey())
          .put("datatype", request.getInputs(0).getDatatype());
      in.set("shape", e.getValue().get("shape"));
      in.set("data", e.getValue().get("data"));
    });
    HttpResponse<String> rest = client.post("/v2/models/" + model + "/infer", body.toString());
    assertEquals(200, rest.statusCode(), rest.body());
    JsonNode restOut = GrpcClient.JSON.readTree(rest.body()).get("outputs").get(0);
    assertEquals(restOut.get("name").asText(), r.getOutputs(0).getName());
    assertEquals(restOut.get("datatype").asText(), r.getOutputs(0).getDatatype());
    float[] grpcValues = GrpcClient.floats(r.getRawOutputContents(0));
    float[] restValues = new float[restOut.get("data").size()];
    for (int i = 0; i < restValues.length; i++) {
      restValues[i] = restOut.get("data").get(i).floatValue();
    }
    assertTrue(HostTensor.relativeError(grpcValues, restValues) <= 1e-6,
        "gRPC and REST answers differ");
  }

  @Test
  void infer_binaryDataOutputParameter_overridesTheDefaultForm() {
    ModelInferRequest typed = GrpcClient.sampleRequest("digits-mlp", false).toBuilder()
        .putParameters(GrpcRequestReader.RAW_OUTPUTS,
            InferParameter.newBuilder().setBoolParam(true).build()).build();
    ModelInferResponse raw = client.blocking().modelInfer(typed);
    assertEquals(1, raw.getRawOutputContentsCount());
    assertEquals(3 * 10 * 4, raw.getRawOutputContents(0).size());

    ModelInferRequest rawIn = GrpcClient.sampleRequest("digits-mlp", true).toBuilder()
        .putParameters(GrpcRequestReader.RAW_OUTPUTS,
            InferParameter.newBuilder().setBoolParam(false).build()).build();
    ModelInferResponse typedOut = client.blocking().modelInfer(rawIn);
    assertEquals(0, typedOut.getRawOutputContentsCount());
    assertEquals(30, typedOut.getOutputs(0).getContents().getFp32ContentsCount());
    for (int i = 0; i < 30; i++) {
      assertEquals(GrpcClient.floats(raw.getRawOutputContents(0))[i],
          typedOut.getOutputs(0).getContents().getFp32Contents(i), 1e-6f);
    }
  }

  @Test
  void infer_idVersionAndNamedOutput_echoed() {
    ModelInferRequest request = GrpcClient.sampleRequest("digits-cnn", true).toBuilder()
        .setId("req-42").setModelVersion("1")
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("logits"))
        .build();
    ModelInferResponse r = client.blocking().modelInfer(request);
    assertEquals("req-42", r.getId());
    assertEquals("digits-cnn", r.getModelName());
    assertEquals("1", r.getModelVersion());
    assertEquals(1, r.getOutputsCount());
    assertEquals("logits", r.getOutputs(0).getName());
  }

  private static void assertMatchesSample(String model, ModelInferResponse r, float[] got) {
    JsonNode want = GrpcClient.sample(model).get("outputs").get(r.getOutputs(0).getName());
    assertEquals(model, r.getModelName());
    assertEquals("FP32", r.getOutputs(0).getDatatype());
    for (int d = 0; d < want.get("shape").size(); d++) {
      assertEquals(want.get("shape").get(d).asLong(), r.getOutputs(0).getShape(d));
    }
    float[] expected = new float[want.get("data").size()];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = want.get("data").get(i).floatValue();
    }
    double err = HostTensor.relativeError(got, expected);
    assertTrue(err <= 1e-4, model + ": relative error " + err);
  }
}
