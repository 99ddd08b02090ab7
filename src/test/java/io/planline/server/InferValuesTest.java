package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The numbers that come back are the model's: checked against the stand-in's linear maps
 * computed here independently. DEPENDS ON the test stand-in {@link LinearInferenceService} (its
 * weights); replace with the real models' sample outputs when the runtime lands.
 */
@MicronautTest
final class InferValuesTest {

  @Inject
  EmbeddedServer server;

  /** {@code x · W} for {@code x} of {@code rows × k} and weight {@code name} of {@code k × n}. */
  private static float[] times(float[] x, int k, String name, int n) {
    int rows = x.length / k;
    float[] out = new float[rows * n];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < n; c++) {
        float s = 0;
        for (int i = 0; i < k; i++) {
          s += x[r * k + i] * LinearInferenceService.weight(name, i * n + c);
        }
        out[r * n + c] = s;
      }
    }
    return out;
  }

  @Test
  void infer_digitsMlp_returnsChainedLinearMaps() {
    Http http = new Http(server);
    float[] x = InferBinaryTest.pixels(2 * 64);
    StringBuilder data = new StringBuilder();
    for (float v : x) {
      data.append(data.length() == 0 ? "" : ",").append(v);
    }
    HttpResponse<byte[]> r = http.postJson("/v2/models/digits-mlp/infer", "{\"inputs\":[{\"name\":"
        + "\"x\",\"shape\":[2,64],\"datatype\":\"FP32\",\"data\":[" + data + "]}]}");
    assertEquals(200, r.statusCode(), Http.text(r));
    float[] want = times(times(times(times(x, 64, "w1", 32), 32, "w2", 32), 32, "w3", 32), 32,
        "w4", 10);
    JsonNode got = Http.json(r).get("outputs").get(0).get("data");
    assertEquals(want.length, got.size());
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got.get(i).floatValue(), 1e-4f * Math.max(1, Math.abs(want[i])));
    }
  }

  @Test
  void infer_tinyGpt_returnsEmbeddingTimesHead() {
    Http http = new Http(server);
    HttpResponse<byte[]> r = http.postJson("/v2/models/tiny-gpt/infer", "{\"inputs\":[{\"name\":"
        + "\"tokens\",\"shape\":[1,2],\"datatype\":\"INT64\",\"data\":[3,255]}]}");
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode got = Http.json(r).get("outputs").get(0).get("data");
    int[] tokens = {3, 255};
    for (int t = 0; t < 2; t++) {
      float[] embedding = new float[16];
      for (int i = 0; i < 16; i++) {
        embedding[i] = LinearInferenceService.weight("wte", tokens[t] * 16 + i);
      }
      float[] want = times(embedding, 16, "head", 256);
      for (int v = 0; v < 256; v++) {
        assertEquals(want[v], got.get(t * 256 + v).floatValue(), 1e-5f);
      }
    }
  }

  @Test
  void infer_tinyGptTokenOutsideVocabulary_400() {
    Http http = new Http(server);
    HttpResponse<byte[]> r = http.postJson("/v2/models/tiny-gpt/infer", "{\"inputs\":[{\"name\":"
        + "\"tokens\",\"shape\":[1,2],\"datatype\":\"INT64\",\"data\":[3,256]}]}");
    assertEquals(400, r.statusCode());
    Http.error(r);
  }
}
