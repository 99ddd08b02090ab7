package io.planline.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.server.grpc.v2.InferTensorContents;
import io.planline.server.grpc.v2.ModelInferRequest;
import io.planline.server.grpc.v2.ModelInferRequest.InferInputTensor;
import java.net.http.HttpResponse;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Bad infer requests over gRPC fail with the status code REST's answer maps to and the message
 * REST gives for the same request (where REST has the same request), naming the input at fault;
 * each is counted in the request metrics as over REST.
 */
@MicronautTest
final class GrpcInferErrorsTest extends GrpcServerTest {

  @Test
  void unknownModel_notFound_sameMessageAsRest() throws Exception {
    String notFound = "planline_requests_total{model=\"unknown\",outcome=\"not_found\"} ";
    double before = client.counter(notFound);
    StatusRuntimeException e = infer(mlp("x", "FP32", 1, 64).setModelName("no-such-model"));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertEquals(restError("no-such-model", "x", "FP32", "[1,64]", floats(64)),
        e.getStatus().getDescription());
    assertEquals(before + 2, client.counter(notFound), "the gRPC and the REST call counted");
  }

  @Test
  void wrongShape_invalidArgument_sameMessageAsRest() throws Exception {
    StatusRuntimeException e = infer(mlp("x", "FP32", 1, 65));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    String message = e.getStatus().getDescription();
    assertEquals(restError("digits-mlp", "x", "FP32", "[1,65]", floats(65)), message);
    assertTrue(message.contains("input 'x'") && message.contains("[1, 65]"), message);
  }

  @Test
  void wrongDatatype_invalidArgument_sameMessageAsRest() throws Exception {
    ModelInferRequest.Builder r = request("digits-mlp");
    InferTensorContents.Builder c = r.addInputsBuilder().setName("x").setDatatype("INT64")
        .addShape(1).addShape(64).getContentsBuilder();
    IntStream.range(0, 64).forEach(i -> c.addInt64Contents(i % 17));
    StatusRuntimeException e = infer(r);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    String message = e.getStatus().getDescription();
    assertEquals(restError("digits-mlp", "x", "INT64", "[1,64]", floats(64)), message);
    assertTrue(message.contains("input 'x'") && message.contains("FP32"), message);
  }

  @Test
  void unknownDatatypeAndUnknownOutput_sameMessagesAsRest() throws Exception {
    StatusRuntimeException type = infer(mlp("x", "FLOAT", 1, 64));
    assertEquals(Status.Code.INVALID_ARGUMENT, type.getStatus().getCode());
    assertEquals(restError("digits-mlp", "x", "FLOAT", "[1,64]", floats(64)),
        type.getStatus().getDescription());
    StatusRuntimeException output = infer(mlp("x", "FP32", 1, 64)
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("probs")));
    assertEquals(Status.Code.INVALID_ARGUMENT, output.getStatus().getCode());
    String rest = client.post("/v2/models/digits-mlp/infer", "{\"inputs\":[{\"name\":\"x\","
        + "\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":" + floats(64) + "}],"
        + "\"outputs\":[{\"name\":\"probs\"}]}").body();
    assertEquals(GrpcClient.JSON.readTree(rest).get("error").asText(),
        output.getStatus().getDescription());
  }

  @Test
  void rawBytesOfWrongLength_invalidArgumentNamingInputAndEntry() {
    ModelInferRequest.Builder r = request("digits-mlp");
    r.addInputsBuilder().setName("x").setDatatype("FP32").addShape(1).addShape(64);
    r.addRawInputContents(ByteString.copyFrom(new byte[255]));
    StatusRuntimeException e = infer(r);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("input 'x': shape [1, 64] of FP32 needs 256 bytes, raw_input_contents[0] has"
        + " 255", e.getStatus().getDescription());
  }

  @Test
  void rawAndTypedBoth_invalidArgumentNamingInput() {
    ModelInferRequest.Builder r = mlp("x", "FP32", 1, 64);
    r.addRawInputContents(ByteString.copyFrom(new byte[256]));
    StatusRuntimeException e = infer(r);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("input 'x' has typed 'contents' and the"
        + " request also has raw_input_contents"), e.getStatus().getDescription());
  }

  @Test
  void rawEntriesFewerThanInputs_invalidArgument() {
    ModelInferRequest.Builder r = request("digits-mlp");
    r.addInputsBuilder().setName("x").setDatatype("FP32").addShape(1).addShape(64);
    r.addInputsBuilder().setName("y").setDatatype("FP32").addShape(1);
    r.addRawInputContents(ByteString.copyFrom(new byte[256]));
    StatusRuntimeException e = infer(r);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("the request has 2 inputs but 1 raw_input_contents entries (one per input, in"
        + " the order of 'inputs')", e.getStatus().getDescription());
  }

  @Test
  void typedContentsInTheWrongMemberOrCount_invalidArgumentNamingInput() {
    ModelInferRequest.Builder wrongMember = request("digits-mlp");
    InferTensorContents.Builder c = wrongMember.addInputsBuilder().setName("x")
        .setDatatype("FP32").addShape(1).addShape(64).getContentsBuilder();
    IntStream.range(0, 64).forEach(c::addInt64Contents);
    StatusRuntimeException member = infer(wrongMember);
    assertEquals(Status.Code.INVALID_ARGUMENT, member.getStatus().getCode());
    assertEquals("input 'x': FP32 elements go in contents.fp32_contents, but"
        + " contents.int64_contents is set", member.getStatus().getDescription());

    ModelInferRequest.Builder shortData = request("digits-mlp");
    InferInputTensor.Builder in = shortData.addInputsBuilder().setName("x").setDatatype("FP32")
        .addShape(1).addShape(64);
    IntStream.range(0, 60).forEach(i -> in.getContentsBuilder().addFp32Contents(i));
    StatusRuntimeException count = infer(shortData);
    assertEquals(Status.Code.INVALID_ARGUMENT, count.getStatus().getCode());
    assertEquals("input 'x': shape [1, 64] holds 64 elements, contents.fp32_contents has 60",
        count.getStatus().getDescription());
  }

  @Test
  void missingContentsAndNoInputs_invalidArgument() {
    ModelInferRequest.Builder none = request("digits-mlp");
    none.addInputsBuilder().setName("x").setDatatype("FP32").addShape(1).addShape(64);
    assertEquals("input 'x' has no 'contents' and the request has no raw_input_contents",
        infer(none).getStatus().getDescription());
    StatusRuntimeException empty = infer(request("digits-mlp"));
    assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());
    assertEquals("'inputs' must be a non-empty list of tensors",
        empty.getStatus().getDescription());
  }

  @Test
  void badRequests_countedAsBadRequestForTheModel() {
    String badRequest = "planline_requests_total{model=\"digits-mlp\",outcome=\"bad_request\"} ";
    double before = client.counter(badRequest);
    infer(mlp("x", "FP32", 1, 65));
    infer(mlp("x", "INT8", 1, 64));
    assertEquals(before + 2, client.counter(badRequest));
  }

  private StatusRuntimeException infer(ModelInferRequest.Builder request) {
    return GrpcClient.failure(() -> client.blocking().modelInfer(request.build()));
  }

  private static ModelInferRequest.Builder request(String model) {
    return ModelInferRequest.newBuilder().setModelName(model);
  }

  /** digits-mlp with one input of {@code rows x cols} typed FP32 values, however it is declared. */
  private static ModelInferRequest.Builder mlp(String name, String datatype, int rows, int cols) {
    ModelInferRequest.Builder r = request("digits-mlp");
    InferInputTensor.Builder in = r.addInputsBuilder().setName(name).setDatatype(datatype)
        .addShape(rows).addShape(cols);
    if (datatype.equals("INT8")) {
      IntStream.range(0, rows * cols).forEach(i -> in.getContentsBuilder().addIntContents(i % 7));
    } else {
      IntStream.range(0, rows * cols).forEach(i -> in.getContentsBuilder()
          .addFp32Contents((i * 7) % 17));
    }
    return r;
  }

  /** The REST error message for one input of {@code data} (a JSON list). */
  private String restError(String model, String name, String datatype, String shape,
      String data) throws Exception {
    HttpResponse<String> r = client.post("/v2/models/" + model + "/infer", "{\"inputs\":[{"
        + "\"name\":\"" + name + "\",\"shape\":" + shape + ",\"datatype\":\"" + datatype
        + "\",\"data\":" + data + "}]}");
    assertTrue(r.statusCode() >= 400, r.body());
    return GrpcClient.JSON.readTree(r.body()).get("error").asText();
  }

  private static String floats(int n) {
    return IntStream.range(0, n).mapToObj(i -> Integer.toString((i * 7) % 17))
        .collect(Collectors.joining(",", "[", "]"));
  }
}
