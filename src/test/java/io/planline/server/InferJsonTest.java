package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Inference with JSON tensors, and every 400/404 a request can earn, through a real HTTP client.
 * Input and output names come from the metadata endpoint, so these hold for any runtime that
 * serves the built-in models' I/O contract.
 */
@MicronautTest
final class InferJsonTest {

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

  /** {@code n} pixel values 0..16 as a JSON list. */
  static String pixels(int n) {
    return IntStream.range(0, n).mapToObj(i -> Integer.toString((i * 7) % 17))
        .collect(Collectors.joining(",", "[", "]"));
  }

  private String mlpRequest(String shape, String datatype, String data) {
    return "{\"id\":\"req-7\",\"inputs\":[{\"name\":\"" + mlpIn + "\",\"shape\":" + shape
        + ",\"datatype\":\"" + datatype + "\",\"data\":" + data + "}]}";
  }

  private HttpResponse<byte[]> inferMlp(String body) {
    return http.postJson("/v2/models/digits-mlp/infer", body);
  }

  private void assertBadRequest(HttpResponse<byte[]> r, String... fragments) {
    assertEquals(400, r.statusCode(), Http.text(r));
    String error = Http.error(r);
    for (String f : fragments) {
      assertTrue(error.contains(f), "'" + error + "' should contain '" + f + "'");
    }
  }

  @Test
  void infer_digitsMlpBatchOfTwo_returnsTwoByTenFp32AndEchoesId() {
    HttpResponse<byte[]> r = inferMlp(mlpRequest("[2,64]", "FP32", pixels(128)));
    assertEquals(200, r.statusCode(), Http.text(r));
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    JsonNode body = Http.json(r);
    assertEquals("req-7", body.get("id").asText());
    assertEquals("digits-mlp", body.get("model_name").asText());
    assertTrue(body.has("model_version"));
    JsonNode out = body.get("outputs").get(0);
    assertEquals(mlpOut, out.get("name").asText());
    assertEquals("FP32", out.get("datatype").asText());
    assertEquals("[2,10]", out.get("shape").toString());
    assertEquals(20, out.get("data").size());
    out.get("data").forEach(v -> assertTrue(v.isNumber(), v.toString()));
  }

  @Test
  void infer_withVersion_sameAnswerAsDefault() {
    String version = Http.json(http.get("/v2/models/digits-mlp")).get("versions").get(0).asText();
    String body = mlpRequest("[1,64]", "FP32", pixels(64));
    JsonNode plain = Http.json(inferMlp(body)).get("outputs");
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-mlp/versions/" + version
        + "/infer", body);
    assertEquals(200, r.statusCode(), Http.text(r));
    assertEquals(plain, Http.json(r).get("outputs"));
  }

  @Test
  void infer_digitsCnnNestedData_acceptedAsRowMajor() {
    String cnnIn = Http.json(http.get("/v2/models/digits-cnn")).get("inputs").get(0).get("name")
        .asText();
    StringBuilder nested = new StringBuilder("[[[");
    for (int row = 0; row < 8; row++) {
      nested.append(row == 0 ? "" : ",").append(pixels(8));
    }
    nested.append("]]]");
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-cnn/infer",
        "{\"inputs\":[{\"name\":\""
        + cnnIn + "\",\"shape\":[1,1,8,8],\"datatype\":\"FP32\",\"data\":" + nested + "}]}");
    assertEquals(200, r.statusCode(), Http.text(r));
    assertEquals("[1,10]", Http.json(r).get("outputs").get(0).get("shape").toString());
  }

  @Test
  void infer_tinyGptInt64Tokens_returnsBatchBySequenceBy256() {
    HttpResponse<byte[]> r = http.postJson("/v2/models/tiny-gpt/infer", "{\"inputs\":[{\"name\":\""
        + gptIn + "\",\"shape\":[2,5],\"datatype\":\"INT64\",\"data\":[72,101,108,108,111,"
        + "119,111,114,108,100]}]}");
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode out = Http.json(r).get("outputs").get(0);
    assertEquals("[2,5,256]", out.get("shape").toString());
    assertEquals(2 * 5 * 256, out.get("data").size());
  }

  @Test
  void infer_outputRequestedByName_returnsIt() {
    String body = "{\"inputs\":[{\"name\":\"" + mlpIn + "\",\"shape\":[1,64],\"datatype\":\"FP32\","
        + "\"data\":" + pixels(64) + "}],\"outputs\":[{\"name\":\"" + mlpOut + "\"}]}";
    HttpResponse<byte[]> r = inferMlp(body);
    assertEquals(200, r.statusCode(), Http.text(r));
    assertEquals(mlpOut, Http.json(r).get("outputs").get(0).get("name").asText());
  }

  @Test
  void infer_unknownOutputRequested_400NamingOutputs() {
    String body = "{\"inputs\":[{\"name\":\"" + mlpIn + "\",\"shape\":[1,64],\"datatype\":\"FP32\","
        + "\"data\":" + pixels(64) + "}],\"outputs\":[{\"name\":\"probs\"}]}";
    assertBadRequest(inferMlp(body), "no output 'probs'", mlpOut);
  }

  @Test
  void infer_malformedJson_400() {
    assertBadRequest(inferMlp("{\"inputs\": [ {\"name\": "), "malformed JSON");
  }

  @Test
  void infer_emptyBody_400() {
    assertBadRequest(inferMlp(""), "empty request body");
  }

  @Test
  void infer_noInputs_400() {
    assertBadRequest(inferMlp("{\"inputs\": []}"), "'inputs'");
  }

  @Test
  void infer_wrongInputName_400NamingInputAndExpected() {
    String body = mlpRequest("[1,64]", "FP32", pixels(64)).replace("\"" + mlpIn + "\"",
        "\"pixels\"");
    assertBadRequest(inferMlp(body), "no input 'pixels'", "'" + mlpIn + "' (FP32 [-1, 64])");
  }

  @Test
  void infer_wrongShape_400SayingExpectedShape() {
    assertBadRequest(inferMlp(mlpRequest("[2,63]", "FP32", pixels(126))), "'" + mlpIn + "'",
        "[-1, 64]", "dimension 1 must be 64");
  }

  @Test
  void infer_wrongRank_400() {
    assertBadRequest(inferMlp(mlpRequest("[64]", "FP32", pixels(64))), "'" + mlpIn + "'",
        "[-1, 64]", "1 dimensions");
  }

  @Test
  void infer_wrongDatatype_400SayingWhatModelTakes() {
    assertBadRequest(inferMlp(mlpRequest("[1,64]", "INT64", pixels(64))), "'" + mlpIn + "'",
        "takes FP32, got INT64");
  }

  @Test
  void infer_datatypePlanlineHasNoTypeFor_400() {
    assertBadRequest(inferMlp(mlpRequest("[1,64]", "UINT16", pixels(64))),
        "takes FP32, got UINT16");
  }

  @Test
  void infer_unknownDatatype_400ListingDatatypes() {
    assertBadRequest(inferMlp(mlpRequest("[1,64]", "FLOAT", pixels(64))),
        "unknown datatype 'FLOAT'", "BF16", "BYTES");
  }

  @Test
  void infer_elementCountMismatch_400SayingBoth() {
    assertBadRequest(inferMlp(mlpRequest("[2,64]", "FP32", pixels(127))), "'" + mlpIn + "'",
        "128 elements", "127");
  }

  @Test
  void infer_textInFp32Data_400NamingElement() {
    assertBadRequest(inferMlp(mlpRequest("[1,64]", "FP32",
        pixels(64).replaceFirst("\\[0,", "[\"zero\","))), "element 0", "a number (FP32)");
  }

  @Test
  void infer_fractionInInt64Data_400() {
    HttpResponse<byte[]> r = http.postJson("/v2/models/tiny-gpt/infer", "{\"inputs\":[{\"name\":\""
        + gptIn + "\",\"shape\":[1,2],\"datatype\":\"INT64\",\"data\":[1, 2.5]}]}");
    assertBadRequest(r, "element 1 is 2.5", "an integer (INT64)");
  }

  @Test
  void infer_unknownModel_404() {
    HttpResponse<byte[]> r = http.postJson("/v2/models/resnet/infer",
        mlpRequest("[1,64]", "FP32", pixels(64)));
    assertEquals(404, r.statusCode());
    assertTrue(Http.error(r).contains("unknown model 'resnet'"));
  }

  @Test
  void infer_unknownVersion_404() {
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-mlp/versions/999/infer",
        mlpRequest("[1,64]", "FP32", pixels(64)));
    assertEquals(404, r.statusCode());
    assertTrue(Http.error(r).contains("no version '999'"));
  }

  @Test
  void infer_getInsteadOfPost_405WithErrorBody() {
    HttpResponse<byte[]> r = http.get("/v2/models/digits-mlp/infer");
    assertEquals(405, r.statusCode());
    Http.error(r);
  }
}
