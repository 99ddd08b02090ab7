package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The binary tensor data extension in both directions ({@code Inference-Header-Content-Length},
 * {@code binary_data_size}, {@code binary_data_output}), checked against the JSON encoding of the
 * same request, and its framing errors. Names come from metadata, values from the runtime: these
 * hold for any runtime serving the built-in models' I/O contract.
 */
@MicronautTest
final class InferBinaryTest {

  private static final String HEADER = InferRequestReader.HEADER_LENGTH;

  @Inject
  EmbeddedServer server;

  Http http;
  String mlpIn;
  String mlpOut;
  String gptIn;

  @BeforeEach
  void client() {
    http = new Http(server);
    mlpIn = http.tensorName("digits-mlp", "inputs");
    mlpOut = http.tensorName("digits-mlp", "outputs");
    gptIn = http.tensorName("tiny-gpt", "inputs");
  }

  static float[] pixels(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (i * 7) % 17;
    }
    return v;
  }

  static byte[] littleEndian(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return b.array();
  }

  /** A framed body: the JSON header then the binary section. */
  static byte[] framed(String json, byte[]... chunks) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      out.write(json.getBytes(StandardCharsets.UTF_8));
      for (byte[] c : chunks) {
        out.write(c);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private HttpResponse<byte[]> postFramed(String model, String json, byte[]... chunks) {
    byte[] body = framed(json, chunks);
    return http.post("/v2/models/" + model + "/infer", "application/octet-stream",
        Map.of(HEADER, Integer.toString(json.getBytes(StandardCharsets.UTF_8).length)), body);
  }

  private String binaryMlpHeader(int batch, long size, String extra) {
    return "{\"inputs\":[{\"name\":\"" + mlpIn + "\",\"shape\":[" + batch + ",64],\"datatype\":"
        + "\"FP32\",\"parameters\":{\"binary_data_size\":" + size + "}}]" + extra + "}";
  }

  private float[] jsonLogits(int batch) {
    float[] x = pixels(batch * 64);
    StringBuilder data = new StringBuilder("[");
    for (int i = 0; i < x.length; i++) {
      data.append(i == 0 ? "" : ",").append(x[i]);
    }
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-mlp/infer", "{\"inputs\":[{\"name\":"
        + "\"" + mlpIn + "\",\"shape\":[" + batch + ",64],\"datatype\":\"FP32\",\"data\":" + data
        + "]}]}");
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode values = Http.json(r).get("outputs").get(0).get("data");
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).floatValue();
    }
    return out;
  }

  /** Splits a framed response into its JSON header and binary section. */
  private static Framed split(HttpResponse<byte[]> r) {
    int n = Integer.parseInt(r.headers().firstValue(HEADER).orElseThrow(
        () -> new AssertionError("no " + HEADER + " header: " + r.headers().map())));
    try {
      JsonNode header = Http.JSON.readTree(Arrays.copyOf(r.body(), n));
      return new Framed(header, Arrays.copyOfRange(r.body(), n, r.body().length));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private record Framed(JsonNode header, byte[] binary) {
    float[] floats() {
      float[] v = new float[binary.length / 4];
      ByteBuffer.wrap(binary).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
      return v;
    }
  }

  @Test
  void infer_binaryInputAndBinaryOutput_sameValuesAsJson() {
    HttpResponse<byte[]> r = postFramed("digits-mlp",
        binaryMlpHeader(3, 3 * 64 * 4, ",\"parameters\":{\"binary_data_output\":true}"),
        littleEndian(pixels(3 * 64)));
    assertEquals(200, r.statusCode(), Http.text(r));
    assertEquals("application/octet-stream", r.headers().firstValue("Content-Type").orElse(""));
    Framed f = split(r);
    JsonNode out = f.header().get("outputs").get(0);
    assertEquals(mlpOut, out.get("name").asText());
    assertEquals("[3,10]", out.get("shape").toString());
    assertEquals(3 * 10 * 4, out.get("parameters").get("binary_data_size").asInt());
    assertTrue(!out.has("data"), out.toString());
    assertArrayEquals(jsonLogits(3), f.floats());
  }

  @Test
  void infer_binaryInputJsonOutput_sameValuesAsJson() {
    HttpResponse<byte[]> r = postFramed("digits-mlp", binaryMlpHeader(2, 2 * 64 * 4, ""),
        littleEndian(pixels(2 * 64)));
    assertEquals(200, r.statusCode(), Http.text(r));
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    JsonNode data = Http.json(r).get("outputs").get(0).get("data");
    float[] got = new float[data.size()];
    for (int i = 0; i < got.length; i++) {
      got[i] = data.get(i).floatValue();
    }
    assertArrayEquals(jsonLogits(2), got);
  }

  @Test
  void infer_jsonInputWithPerOutputBinaryFlag_returnsFramedResponse() {
    float[] x = pixels(64);
    StringBuilder data = new StringBuilder();
    for (float v : x) {
      data.append(data.length() == 0 ? "" : ",").append(v);
    }
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-mlp/infer", "{\"inputs\":[{\"name\":"
        + "\"" + mlpIn + "\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":[" + data + "]}],"
        + "\"outputs\":[{\"name\":\"" + mlpOut + "\",\"parameters\":{\"binary_data\":true}}]}");
    assertEquals(200, r.statusCode(), Http.text(r));
    assertArrayEquals(jsonLogits(1), split(r).floats());
  }

  @Test
  void infer_tinyGptBinaryInt64Tokens_returnsBinaryLogits() {
    long[] tokens = {72, 105, 33, 10};
    ByteBuffer b = ByteBuffer.allocate(tokens.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(tokens);
    String json = "{\"inputs\":[{\"name\":\"" + gptIn + "\",\"shape\":[1,4],\"datatype\":"
        + "\"INT64\",\"parameters\":{\"binary_data_size\":32}}],\"parameters\":"
        + "{\"binary_data_output\":true}}";
    HttpResponse<byte[]> r = postFramed("tiny-gpt", json, b.array());
    assertEquals(200, r.statusCode(), Http.text(r));
    Framed f = split(r);
    assertEquals("[1,4,256]", f.header().get("outputs").get(0).get("shape").toString());
    assertEquals(4 * 256 * 4, f.binary().length);
  }

  /**
   * A result of a MiB (tiny-gpt [16,64]: 16 x 64 x 256 logits) is lent by the backend and
   * released once its answer is written, in binary and in JSON alike: the same values both ways,
   * and the lent-bytes gauge back at 0 afterwards.
   */
  @Test
  void infer_largeResult_sameValuesBinaryAndJson_andLentMemoryReturns() throws Exception {
    int rows = 16;
    long[] tokens = new long[rows * 64];
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = (i * 31L) % 256;
      data.append(i == 0 ? "" : ",").append(tokens[i]);
    }
    ByteBuffer b = ByteBuffer.allocate(tokens.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(tokens);
    String json = "{\"inputs\":[{\"name\":\"" + gptIn + "\",\"shape\":[" + rows + ",64],"
        + "\"datatype\":\"INT64\",\"parameters\":{\"binary_data_size\":" + b.capacity() + "}}],"
        + "\"parameters\":{\"binary_data_output\":true}}";
    HttpResponse<byte[]> r = postFramed("tiny-gpt", json, b.array());
    assertEquals(200, r.statusCode(), Http.text(r));
    float[] binary = split(r).floats();
    assertEquals(rows * 64 * 256, binary.length);
    HttpResponse<byte[]> j = http.postJson("/v2/models/tiny-gpt/infer", "{\"inputs\":[{\"name\":"
        + "\"" + gptIn + "\",\"shape\":[" + rows + ",64],\"datatype\":\"INT64\",\"data\":["
        + data + "]}]}");
    assertEquals(200, j.statusCode(), Http.text(j));
    JsonNode values = Http.json(j).get("outputs").get(0).get("data");
    float[] text = new float[values.size()];
    for (int i = 0; i < text.length; i++) {
      text[i] = values.get(i).floatValue();
    }
    assertArrayEquals(binary, text);
    // released when the body ends, which may be just after the client has read it
    String lent = "";
    for (int i = 0; i < 100; i++) {
      lent = Http.text(http.get("/prometheus")).lines()
          .filter(l -> l.startsWith("planline_memory_results_lent_bytes{")).findFirst()
          .orElse("");
      if (lent.endsWith(" 0.0")) {
        break;
      }
      Thread.sleep(50);
    }
    assertTrue(lent.endsWith(" 0.0"), "lent results not given back: " + lent);
  }

  @Test
  void infer_binarySizeNotMatchingShape_400SayingBytesNeeded() {
    HttpResponse<byte[]> r = postFramed("digits-mlp", binaryMlpHeader(2, 2 * 64 * 4 - 4, ""),
        Arrays.copyOf(littleEndian(pixels(2 * 64)), 2 * 64 * 4 - 4));
    assertEquals(400, r.statusCode());
    String error = Http.error(r);
    assertTrue(error.contains("'" + mlpIn + "'") && error.contains("needs 512 bytes")
        && error.contains("508"), error);
  }

  @Test
  void infer_binarySizeBeyondBody_400() {
    HttpResponse<byte[]> r = postFramed("digits-mlp", binaryMlpHeader(1, 256, ""),
        new byte[100]);
    assertEquals(400, r.statusCode());
    assertTrue(Http.error(r).contains("only 100 bytes of binary data remain"), Http.error(r));
  }

  @Test
  void infer_bytesAfterLastBinaryInput_400() {
    HttpResponse<byte[]> r = postFramed("digits-mlp", binaryMlpHeader(1, 256, ""),
        new byte[260]);
    assertEquals(400, r.statusCode());
    assertTrue(Http.error(r).contains("4 bytes after"), Http.error(r));
  }

  @Test
  void infer_headerLengthNotANumber_400() {
    HttpResponse<byte[]> r = http.post("/v2/models/digits-mlp/infer", "application/octet-stream",
        Map.of(HEADER, "lots"), framed(binaryMlpHeader(1, 256, ""), new byte[256]));
    assertEquals(400, r.statusCode());
    assertTrue(Http.error(r).contains("'lots' is not a byte count"), Http.error(r));
  }

  @Test
  void infer_headerLengthBeyondBody_400() {
    HttpResponse<byte[]> r = http.post("/v2/models/digits-mlp/infer", "application/octet-stream",
        Map.of(HEADER, "100000"), framed(binaryMlpHeader(1, 256, ""), new byte[256]));
    assertEquals(400, r.statusCode());
    assertTrue(Http.error(r).contains("100000"), Http.error(r));
  }

  @Test
  void infer_binarySizeWithoutHeader_400() {
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-mlp/infer",
        binaryMlpHeader(1, 256, ""));
    assertEquals(400, r.statusCode());
    assertTrue(Http.error(r).contains("no " + HEADER), Http.error(r));
  }
}
