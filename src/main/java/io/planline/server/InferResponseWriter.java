package io.planline.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.planline.backend.HostTensor;
import io.planline.model.ModelInfo;
import io.planline.model.TensorInfo;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an infer response: JSON with each output's {@code data}, or, when any output is asked
 * for as binary, the JSON header (those outputs carry {@code binary_data_size} instead of
 * {@code data}) followed by their raw little-endian bytes, with
 * {@code Inference-Header-Content-Length} giving the header's length.
 */
public final class InferResponseWriter {

  private static final ObjectMapper JSON = new ObjectMapper();

  private InferResponseWriter() {}

  /** The response to {@code request} carrying {@code results} (every output of the model). */
  public static MutableHttpResponse<byte[]> write(ModelInfo model, InferRequest request,
      List<HostTensor> results) {
    ObjectNode root = JSON.createObjectNode();
    root.put("model_name", model.name());
    root.put("model_version", model.version());
    if (request.id() != null) {
      root.put("id", request.id());
    }
    ArrayNode outs = root.putArray("outputs");
    List<ByteBuffer> binary = new ArrayList<>();
    for (InferRequest.Output want : wanted(model, request)) {
      HostTensor t = find(results, want.name());
      ObjectNode o = outs.addObject();
      o.put("name", t.name());
      o.put("datatype", Datatype.of(t.dtype()).name());
      ArrayNode shape = o.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      if (want.binary()) {
        o.putObject("parameters").put("binary_data_size", t.data().remaining());
        binary.add(t.data().duplicate());
      } else {
        TensorCodec.toJson(t, o.putArray("data"));
      }
    }
    byte[] header = bytes(root);
    if (binary.isEmpty()) {
      return HttpResponse.ok(header).contentType(MediaType.APPLICATION_JSON_TYPE);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream(header.length
        + binary.stream().mapToInt(ByteBuffer::remaining).sum());
    body.writeBytes(header);
    for (ByteBuffer b : binary) {
      byte[] chunk = new byte[b.remaining()];
      b.get(chunk);
      body.writeBytes(chunk);
    }
    return HttpResponse.ok(body.toByteArray())
        .contentType(MediaType.APPLICATION_OCTET_STREAM_TYPE)
        .header(InferRequestReader.HEADER_LENGTH, Integer.toString(header.length));
  }

  /** The outputs to return, in the order the client asked for them (default: signature order). */
  private static List<InferRequest.Output> wanted(ModelInfo model, InferRequest request) {
    if (!request.outputs().isEmpty()) {
      return request.outputs();
    }
    List<InferRequest.Output> all = new ArrayList<>();
    for (TensorInfo t : model.outputs()) {
      all.add(new InferRequest.Output(t.name(), request.binaryOutputs()));
    }
    return all;
  }

  private static HostTensor find(List<HostTensor> results, String name) {
    for (HostTensor t : results) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw new IllegalStateException("the runtime returned no output '" + name + "' (it returned "
        + results.stream().map(HostTensor::name).toList() + ")");
  }

  private static byte[] bytes(ObjectNode root) {
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise an infer response", e);
    }
  }
}
