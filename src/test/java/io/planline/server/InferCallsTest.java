package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.annotation.Property;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.exec.InferenceException;
import io.planline.exec.LocalInferenceService;
import io.planline.model.ModelLoader;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * The infer steps REST and gRPC share, as a pipeline: a request read by either protocol is
 * bound, checked and run through the real runtime; failures are the typed exceptions both map;
 * cancelling the Mono stops the request in the runtime.
 */
@MicronautTest
@Property(name = "planline.max-response-bytes", value = "2048")
final class InferCallsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A bound that takes every answer for 4 bytes an element: what gRPC's raw answers take. */
  private static final InferCalls.ResponseBound RAW = (model, request, outputs) ->
      outputs.stream().mapToLong(t -> t.shape().stream().mapToLong(Long::longValue)
          .reduce(1, Math::multiplyExact) * 4).sum();

  @Inject
  InferCalls calls;

  @Inject
  LocalInferenceService runtime;

  @Test
  void run_sample_answersWithEveryOutputOfTheModel() throws IOException {
    InferRequest request = InferRequestReader.read(sampleBody("digits-mlp"), null);
    StepVerifier.create(calls.run(calls.start("digits-mlp", null), "digits-mlp", null,
        info -> request, RAW))
        .assertNext(answer -> {
          assertEquals("digits-mlp", answer.model().name());
          assertEquals(request, answer.request());
          assertEquals(1, answer.outputs().size());
          assertEquals(List.of(3L, 10L),
              java.util.Arrays.stream(answer.outputs().get(0).shape()).boxed().toList());
        })
        .verifyComplete();
  }

  @Test
  void run_unknownModel_failsNotFoundBeforeReading() {
    StepVerifier.create(calls.run(calls.start("no-such-model", null), "no-such-model", null,
        info -> {
      throw new AssertionError("read before the model was found");
    }, RAW))
        .expectErrorSatisfies(e -> {
          assertEquals(io.micronaut.http.HttpStatus.NOT_FOUND, ErrorResponses.status(e));
          assertTrue(e.getMessage().startsWith("unknown model 'no-such-model'"), e.getMessage());
        })
        .verify();
  }

  @Test
  void run_inputNotInTheSignature_badRequestNamingIt() {
    InferRequest request = InferRequestReader.read(("{\"inputs\":[{\"name\":\"pixels\","
        + "\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":" + zeros(64) + "}]}")
        .getBytes(StandardCharsets.UTF_8), null);
    StepVerifier.create(calls.run(calls.start("digits-mlp", null), "digits-mlp", null,
        info -> request, RAW))
        .expectErrorSatisfies(e -> {
          assertEquals(io.micronaut.http.HttpStatus.BAD_REQUEST, ErrorResponses.status(e));
          assertTrue(e.getMessage().contains("no input 'pixels'"), e.getMessage());
        })
        .verify();
  }

  @Test
  void run_answerOverTheResponseLimit_refusedBeforeItRunsWithTheBoundsHint() {
    // tiny-gpt's logits for 2 x 8 tokens: 4,096 values, 16 KiB raw, over the 2 KiB limit.
    InferRequest request = InferRequestReader.read(("{\"inputs\":[{\"name\":\"tokens\","
        + "\"shape\":[2,8],\"datatype\":\"INT64\",\"data\":" + zeros(16) + "}]}")
        .getBytes(StandardCharsets.UTF_8), null);
    InferCalls.ResponseBound hinted = new InferCalls.ResponseBound() {
      @Override
      public long maxBytes(io.planline.model.ModelInfo model, InferRequest r,
          List<io.planline.model.TensorInfo> outputs) {
        return RAW.maxBytes(model, r, outputs);
      }

      @Override
      public String hint(InferRequest r) {
        return "; ask for fewer outputs";
      }
    };
    StepVerifier.create(calls.run(calls.start("tiny-gpt", null), "tiny-gpt", null,
        info -> request, hinted))
        .expectErrorSatisfies(e -> {
          assertTrue(e instanceof InferenceException.BadInput, e.toString());
          assertEquals("the response would take up to 16384 bytes, over"
              + " planline.max-response-bytes (2048); outputs ['logits' FP32 [2, 8, 256]]; ask"
              + " for fewer outputs, or send a smaller batch", e.getMessage());
        })
        .verify();
    assertEquals(0, runtime.admission().running());
  }

  @Test
  void run_cancelled_runtimeStopsTheRequest() throws Exception {
    StringBuilder tokens = new StringBuilder();
    for (int i = 0; i < 64 * 64; i++) {
      tokens.append(i == 0 ? "" : ",").append(i % 256);
    }
    InferRequest request = InferRequestReader.read(("{\"inputs\":[{\"name\":\"tokens\","
        + "\"shape\":[64,64],\"datatype\":\"INT64\",\"data\":[" + tokens + "]}]}")
        .getBytes(StandardCharsets.UTF_8), null);
    long baseline = runtime.executor().backend().bytesInUse();
    StepVerifier.create(calls.run(calls.start("tiny-gpt", null), "tiny-gpt", null,
        info -> request, (m, r, o) -> 0))
        .then(() -> {
          for (int i = 0; i < 1000 && runtime.admission().running() == 0; i++) {
            sleep();
          }
          assertEquals(1, runtime.admission().running(), "the request never started");
        })
        .thenCancel()
        .verify();
    Settled.nothingRunning(runtime);
    Settled.memoryBack(runtime, baseline);
  }

  /** The sample's inputs as a REST body. */
  private static byte[] sampleBody(String model) throws IOException {
    JsonNode sample;
    try (InputStream in = ModelLoader.builtIn(model).open("sample.json")) {
      sample = JSON.readTree(in);
    }
    var body = JSON.createObjectNode();
    var inputs = body.putArray("inputs");
    sample.get("inputs").fields().forEachRemaining(e -> inputs.addObject()
        .put("name", e.getKey()).put("datatype", "FP32")
        .<com.fasterxml.jackson.databind.node.ObjectNode>set("shape", e.getValue().get("shape"))
        .set("data", e.getValue().get("data")));
    return JSON.writeValueAsBytes(body);
  }

  private static String zeros(int n) {
    return "[" + String.join(",", java.util.Collections.nCopies(n, "0")) + "]";
  }

  private static void sleep() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
