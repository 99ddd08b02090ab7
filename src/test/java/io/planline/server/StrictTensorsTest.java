package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, items 4 to 6, reproduced against the real server: ragged or over-nested data,
 * trailing bytes after the JSON body and float literals beyond FP32 were all answered 200.
 */
@MicronautTest
final class StrictTensorsTest {

  private static final String INFER = "/v2/models/digits-mlp/infer";

  @Inject
  EmbeddedServer server;

  Http http;
  String in;

  @BeforeEach
  void client() {
    http = new Http(server);
    in = http.tensorName("digits-mlp", "inputs");
  }

  private String request(String shape, String data) {
    return "{\"inputs\":[{\"name\":\"" + in + "\",\"shape\":" + shape + ",\"datatype\":\"FP32\","
        + "\"data\":" + data + "}]}";
  }

  private static String ones(int n) {
    return IntStream.range(0, n).mapToObj(i -> "1").collect(Collectors.joining(",", "[", "]"));
  }

  private void refused(String body, String... expected) {
    HttpResponse<byte[]> r = http.postJson(INFER, body);
    assertEquals(400, r.statusCode(), Http.text(r));
    for (String e : expected) {
      assertTrue(Http.error(r).contains(e), Http.error(r));
    }
  }

  @Test
  void infer_raggedRowsWithTheRightLeafCount_400() {
    refused(request("[2,64]", "[" + ones(100) + "," + ones(28) + "]"),
        "input '" + in + "'", "data[0] has 100 elements, but dimension 1");
  }

  @Test
  void infer_oneRowNested990Deep_400() {
    String deep = "[".repeat(990) + ones(64) + "]".repeat(990);
    refused(request("[1,64]", deep), "input '" + in + "'", "data[0] has 1 elements");
  }

  @Test
  void infer_exactlyNested_200() {
    HttpResponse<byte[]> r = http.postJson(INFER, request("[2,64]", "[" + ones(64) + ","
        + ones(64) + "]"));
    assertEquals(200, r.statusCode(), Http.text(r));
  }

  @Test
  void infer_trailingBytesAfterTheJson_400() {
    String ok = request("[1,64]", ones(64));
    refused(ok + " {}", "malformed JSON");
    refused(ok + "garbage", "malformed JSON");
    assertEquals(200, http.postJson(INFER, ok + " \n").statusCode(), "whitespace is no token");
  }

  @Test
  void infer_fp32LiteralBeyondRange_400NamingInputAndPosition() {
    String data = ones(64).replaceFirst("1,1,1,", "1,1,1e39,");
    refused(request("[1,64]", data), "input '" + in + "': element 2 is 1.0E39, outside the FP32");
    refused(request("[1,64]", ones(64).replaceFirst("1]$", "-1e400]")),
        "input '" + in + "': element 63 is a number beyond even the FP64 range");
  }

  @Test
  void infer_explicitInfinityInBinary_accepted() {
    float[] pixels = InferBinaryTest.pixels(64);
    pixels[5] = Float.POSITIVE_INFINITY;
    String json = "{\"inputs\":[{\"name\":\"" + in + "\",\"shape\":[1,64],\"datatype\":\"FP32\","
        + "\"parameters\":{\"binary_data_size\":256}}]}";
    HttpResponse<byte[]> r = http.post(INFER, "application/octet-stream",
        Map.of(InferRequestReader.HEADER_LENGTH, Integer.toString(json.length())),
        InferBinaryTest.framed(json, InferBinaryTest.littleEndian(pixels)));
    assertEquals(200, r.statusCode(), Http.text(r));
  }
}
