package io.planline.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads an infer request body: plain JSON, or, with the binary tensor data extension, a JSON
 * header of {@code Inference-Header-Content-Length} bytes followed by the inputs that carry a
 * {@code binary_data_size} parameter, back to back in input order.
 *
 * <p>Checks only the framing and the JSON structure; {@link InferBinder} checks the tensors
 * against the model. Every failure is a 400 that names the field at fault. The inputs' JSON data
 * is streamed straight into bytes ({@link StreamedBody}); a body that reader is unsure of, every
 * malformed one included, is read as a tree, and its data decoded by the binder, as before.
 */
public final class InferRequestReader {

  /** The header that announces the binary tensor data extension. */
  public static final String HEADER_LENGTH = "Inference-Header-Content-Length";

  private static final ObjectMapper JSON = JsonCodecs.READER;

  private InferRequestReader() {}

  /**
   * Parses {@code body}.
   *
   * @param headerLength the {@link #HEADER_LENGTH} header, or null when absent
   * @throws ApiException (400) for a malformed body
   */
  public static InferRequest read(byte[] body, @Nullable String headerLength) {
    return read(body, headerLength, true);
  }

  /**
   * Parses {@code body}, streaming the inputs' data into bytes ({@link StreamedBody}), or, with
   * {@code streaming} false, as a tree alone, the inputs keeping their JSON data for the binder:
   * the reader before issue 17, which tests and JsonCodecBench compare with the streaming one.
   * The streaming reader hands what it is unsure of, errors included, to the tree reader.
   */
  static InferRequest read(byte[] body, @Nullable String headerLength, boolean streaming) {
    int jsonLength = body.length;
    if (headerLength != null) {
      jsonLength = jsonLength(headerLength, body.length);
    }
    StreamedBody.Parsed streamed = streaming ? StreamedBody.read(body, jsonLength) : null;
    JsonNode root = streamed != null ? streamed.root() : parse(body, jsonLength);
    Map<JsonNode, ByteBuffer> decoded = streamed != null ? streamed.decoded() : Map.of();
    ByteBuffer binary = ByteBuffer.wrap(body, jsonLength, body.length - jsonLength).slice();
    String id = null;
    JsonNode idNode = root.get("id");
    if (idNode != null && !idNode.isNull()) {
      if (!idNode.isTextual()) {
        throw ApiException.badRequest("'id' must be a string, got " + idNode.getNodeType());
      }
      id = idNode.textValue();
    }
    boolean binaryOutputs = flag(root.path("parameters"), "binary_data_output", "parameters");
    List<InferRequest.Input> inputs = inputs(root, decoded, binary, headerLength != null);
    if (binary.hasRemaining()) {
      throw ApiException.badRequest("the body has " + binary.remaining() + " bytes after the"
          + " last input's binary data (binary_data_size of the inputs must add up to the rest"
          + " of the body)");
    }
    return new InferRequest(id, inputs, outputs(root, binaryOutputs), binaryOutputs);
  }

  private static int jsonLength(String header, int bodyLength) {
    long n;
    try {
      n = Long.parseLong(header.strip());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(HEADER_LENGTH + " '" + header + "' is not a byte count");
    }
    if (n <= 0 || n > bodyLength) {
      throw ApiException.badRequest(HEADER_LENGTH + " is " + n + " but the body has "
          + bodyLength + " bytes (the JSON header must be 1.." + bodyLength + " bytes)");
    }
    return (int) n;
  }

  private static JsonNode parse(byte[] body, int length) {
    JsonNode root;
    try {
      root = JSON.readTree(body, 0, length);
    } catch (JsonProcessingException e) {
      var at = e.getLocation();
      throw ApiException.badRequest("malformed JSON in the request body"
          + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
          + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalStateException("reading an in-memory body failed", e);
    }
    if (root == null || root.isMissingNode()) {
      throw ApiException.badRequest("empty request body: expected a JSON object with 'inputs'");
    }
    if (!root.isObject()) {
      throw ApiException.badRequest("the request body must be a JSON object, got "
          + root.getNodeType());
    }
    return root;
  }

  /** The inputs; {@code decoded} holds the bytes of the input objects whose data was streamed. */
  private static List<InferRequest.Input> inputs(JsonNode root,
      Map<JsonNode, ByteBuffer> decoded, ByteBuffer binary, boolean framed) {
    JsonNode list = root.get("inputs");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw ApiException.badRequest("'inputs' must be a non-empty list of tensors");
    }
    List<InferRequest.Input> inputs = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode n = list.get(i);
      String where = "inputs[" + i + "]";
      if (!n.isObject()) {
        throw ApiException.badRequest(where + " must be an object");
      }
      String name = text(n, "name", where);
      where = "input '" + name + "'";
      if (!names.add(name)) {
        throw ApiException.badRequest(where + " is given twice");
      }
      String typeName = text(n, "datatype", where);
      Datatype type = Datatype.require(where, typeName);
      long[] shape = shape(n.get("shape"), where);
      JsonNode size = n.path("parameters").get("binary_data_size");
      JsonNode data = n.get("data");
      ByteBuffer streamed = decoded.get(n); // streamed data: checked against datatype and shape
      if (size != null && (data != null || streamed != null)) {
        throw ApiException.badRequest(where + " has both 'data' and binary_data_size");
      }
      if (size == null) {
        if (data == null && streamed == null) {
          throw ApiException.badRequest(where + " has neither 'data' nor a binary_data_size"
              + " parameter");
        }
        inputs.add(new InferRequest.Input(name, type, shape, data, streamed));
        continue;
      }
      if (!framed) {
        throw ApiException.badRequest(where + " has binary_data_size but the request has no "
            + HEADER_LENGTH + " header");
      }
      if (!size.canConvertToLong() || !size.isIntegralNumber() || size.longValue() < 0) {
        throw ApiException.badRequest(where + ": binary_data_size must be a byte count, got "
            + size);
      }
      long bytes = size.longValue();
      if (bytes > binary.remaining()) {
        throw ApiException.badRequest(where + ": binary_data_size is " + bytes + " but only "
            + binary.remaining() + " bytes of binary data remain in the body");
      }
      ByteBuffer slice = binary.slice().limit((int) bytes);
      binary.position(binary.position() + (int) bytes);
      inputs.add(new InferRequest.Input(name, type, shape, null, slice));
    }
    return inputs;
  }

  private static List<InferRequest.Output> outputs(JsonNode root, boolean binaryDefault) {
    JsonNode list = root.get("outputs");
    if (list == null || list.isNull()) {
      return List.of();
    }
    if (!list.isArray()) {
      throw ApiException.badRequest("'outputs' must be a list");
    }
    List<InferRequest.Output> outputs = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode n = list.get(i);
      String where = "outputs[" + i + "]";
      if (!n.isObject()) {
        throw ApiException.badRequest(where + " must be an object");
      }
      String name = text(n, "name", where);
      if (!names.add(name)) {
        throw ApiException.badRequest("output '" + name + "' is asked for twice");
      }
      JsonNode p = n.path("parameters");
      if (p.has("classification")) {
        throw ApiException.badRequest("output '" + name + "': the classification extension is"
            + " not supported");
      }
      // Triton spells the per-output flag binary_data; accept binary_data_output there too.
      boolean binary = binaryDefault;
      if (p.has("binary_data")) {
        binary = flag(p, "binary_data", "output '" + name + "' parameters");
      } else if (p.has("binary_data_output")) {
        binary = flag(p, "binary_data_output", "output '" + name + "' parameters");
      }
      outputs.add(new InferRequest.Output(name, binary));
    }
    return outputs;
  }

  private static String text(JsonNode n, String field, String where) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual() || v.textValue().isEmpty()) {
      throw ApiException.badRequest(where + ": '" + field + "' must be a non-empty string");
    }
    return v.textValue();
  }

  private static boolean flag(JsonNode parameters, String field, String where) {
    JsonNode v = parameters.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw ApiException.badRequest(where + ": '" + field + "' must be true or false, got " + v);
    }
    return v.booleanValue();
  }

  private static long[] shape(@Nullable JsonNode n, String where) {
    if (n == null || !n.isArray()) {
      throw ApiException.badRequest(where + ": 'shape' must be a list of dimensions");
    }
    long[] shape = StreamedBody.shape(n);
    if (shape == null) {
      throw ApiException.badRequest(where + ": shape " + n + " must hold non-negative integers");
    }
    return shape;
  }
}
