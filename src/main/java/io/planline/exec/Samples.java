package io.planline.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.planline.backend.HostTensor;
import io.planline.io.ProgramFormatException;
import io.planline.ir.DType;
import io.planline.kernel.SafetensorsFormatException;
import io.planline.kernel.SafetensorsReader;
import io.planline.kernel.Tensor;
import io.planline.model.ModelLoader;
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

  /** The binary form of a model folder's sample, for samples too large for JSON text. */
  public static final String BINARY = "sample.safetensors";

  /** The JSON form of a model folder's sample. */
  public static final String JSON_FILE = "sample.json";

  /** Whether {@code source} holds a sample ({@link #of}). */
  public static boolean present(ModelLoader.Source source) {
    return source.has(BINARY) || source.has(JSON_FILE);
  }

  /**
   * A model folder's sample: {@value #BINARY} (tensors {@code inputs.NAME} and
   * {@code outputs.NAME}) where the exporter wrote one, else {@code sample.json}.
   *
   * @throws ProgramFormatException naming the file when it is malformed
   */
  public static Sample of(ModelLoader.Source source) throws IOException {
    if (!source.has(BINARY)) {
      try (InputStream in = source.open(JSON_FILE)) {
        return read(source.describe(JSON_FILE), in);
      }
    }
    String file = source.describe(BINARY);
    SafetensorsReader.Contents contents;
    try (InputStream in = source.open(BINARY)) {
      byte[] raw = in.readAllBytes();
      contents = SafetensorsReader.parse(ByteBuffer.wrap(raw), file);
    } catch (SafetensorsFormatException e) {
      throw new ProgramFormatException(file, "", e.getMessage(), e);
    }
    Map<String, HostTensor> inputs = new LinkedHashMap<>();
    Map<String, HostTensor> outputs = new LinkedHashMap<>();
    contents.tensors().forEach((key, t) -> {
      int dot = key.indexOf('.');
      String group = dot < 0 ? "" : key.substring(0, dot);
      String name = key.substring(dot + 1);
      Map<String, HostTensor> into = switch (group) {
        case "inputs" -> inputs;
        case "outputs" -> outputs;
        default -> throw new ProgramFormatException(file, "tensor " + key, "is neither "
            + "inputs.NAME nor outputs.NAME");
      };
      into.put(name, host(file, key, name, t));
    });
    if (inputs.isEmpty()) {
      throw new ProgramFormatException(file, "", "holds no inputs.NAME tensor");
    }
    return new Sample(inputs, outputs);
  }

  private static HostTensor host(String file, String key, String name, Tensor t) {
    return switch (t.dtype()) {
      case FLOAT32 -> HostTensor.ofFloats(name, t.shape(), t.toFloatArray());
      case INT64 -> HostTensor.ofLongs(name, t.shape(), t.toLongArray());
      default -> throw new ProgramFormatException(file, "tensor " + key, "unsupported type "
          + t.dtype() + " (FP32 or INT64)");
    };
  }

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
