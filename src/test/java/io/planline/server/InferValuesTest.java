package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.backend.HostTensor;
import io.planline.model.ModelLoader;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The numbers that come back over HTTP are PyTorch's: each built-in model's sample, end to end. */
@MicronautTest
final class InferValuesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject
  EmbeddedServer server;

  @ParameterizedTest
  @ValueSource(strings = {"digits-mlp", "digits-cnn", "tiny-gpt"})
  void infer_sampleAsV2Json_matchesPyTorchOutput(String model) throws IOException {
    assertAnswersSample(new Http(server), model);
  }

  /**
   * Posts {@code model}'s sample as a V2 JSON request and checks the answer against PyTorch's
   * output in the sample (relative error at most 1e-4).
   */
  static void assertAnswersSample(Http http, String model) throws IOException {
    JsonNode sample;
    var source = ModelLoader.builtIn(model);
    try (InputStream in = source.open("sample.json")) {
      sample = JSON.readTree(in);
    }
    ObjectNode request = JSON.createObjectNode();
    ArrayNode inputs = request.putArray("inputs");
    sample.get("inputs").fields().forEachRemaining(e -> inputs.addObject()
        .put("name", e.getKey())
        .put("datatype", e.getValue().get("dtype").asText().equals("int64") ? "INT64" : "FP32")
        .set("shape", e.getValue().get("shape")));
    int i = 0;
    for (var it = sample.get("inputs").fields(); it.hasNext(); i++) {
      ((ObjectNode) inputs.get(i)).set("data", it.next().getValue().get("data"));
    }
    HttpResponse<byte[]> r = http.postJson("/v2/models/" + model + "/infer",
        JSON.writeValueAsString(request));
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode out = Http.json(r).get("outputs").get(0);
    JsonNode want = sample.get("outputs").get(out.get("name").asText());
    assertEquals(want.get("shape"), out.get("shape"));
    float[] got = new float[out.get("data").size()];
    float[] exp = new float[want.get("data").size()];
    for (int k = 0; k < got.length; k++) {
      got[k] = out.get("data").get(k).floatValue();
    }
    for (int k = 0; k < exp.length; k++) {
      exp[k] = want.get("data").get(k).floatValue();
    }
    double err = HostTensor.relativeError(got, exp);
    assertTrue(err <= 1e-4, model + ": relative error " + err);
  }
}
