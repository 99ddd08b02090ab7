package io.planline.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.planline.backend.HostTensor;
import io.planline.io.ProgramFormatException;
import io.planline.ir.DType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads tensors written as JSON: a model's {@code sample.json} ({@code {"inputs": {name: {dtype,
 * shape, data}}, "outputs": {...}}}) and KServe V2 infer requests ({@code {"inputs": [{name,
 * shape, datatype, data}]}}), so {@code run --input} takes either.
 */
public final class Samples {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Samples() {}

  /** A sample: inputs and the outputs PyTorch produced for them (empty when unknown). */
  public record Sample(Map<String, HostTensor> inputs, Map<String, HostTensor> outputs) {}

  /** Reads a sample or a V2 request from {@code in}; {@code file} names it in messages. */
  public static Sample read(String file, InputStream in) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(in);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ProgramFormatException(file, "", "malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.has("inputs")) {
      throw new ProgramFormatException(file, "", "expected an object with \"inputs\"");
    }
    return new Sample(tensors(file, "inputs", root.get("inputs")),
        root.has("outputs") && root.get("outputs").isObject()
            ? tensors(file, "outputs", root.get("outputs")) : Map.of());
  }

  private static Map<String, HostTensor> tensors(String file, String field, JsonNode node) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    if (node.isArray()) {
      for (JsonNode t : node) {
        String name = t.path("name").asText();
        out.put(name, tensor(file, field + "." + name, name, t.path("datatype").asText(),
            t.path("shape"), t.path("data")));
      }
    } else {
      node.fields().forEachRemaining(e -> out.put(e.getKey(), tensor(file,
          field + "." + e.getKey(), e.getKey(), e.getValue().path("dtype").asText(),
          e.getValue().path("shape"), e.getValue().path("data"))));
    }
    return out;
  }

  private static HostTensor tensor(String file, String where, String name, String type,
      JsonNode shapeNode, JsonNode data) {
    DType dtype = switch (type) {
      case "FP32", "float32" -> DType.FLOAT32;
      case "INT64", "int64" -> DType.INT64;
      default -> throw new ProgramFormatException(file, where, "unsupported type '" + type
          + "' (FP32/float32 or INT64/int64)");
    };
    long[] shape = new long[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeNode.get(i).asLong();
    }
    long n = HostTensor.elements(shape);
    if (!data.isArray() || data.size() != n) {
      throw new ProgramFormatException(file, where, "shape " + java.util.Arrays.toString(shape)
          + " needs " + n + " values, found " + (data.isArray() ? data.size() : "no list"));
    }
    ByteBuffer b = ByteBuffer.allocate((int) n * dtype.itemSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (JsonNode v : data) {
      if (dtype == DType.FLOAT32) {
        b.putFloat((float) v.asDouble());
      } else {
        b.putLong(v.asLong());
      }
    }
    b.flip();
    return new HostTensor(name, dtype, shape, b);
  }
}
