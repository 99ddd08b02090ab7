package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.context.annotation.Property;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.backend.HostTensor;
import io.planline.exec.LocalInferenceService;
import jakarta.inject.Inject;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Dynamic batching through the real server: version 1 of each built-in model batches, version 2
 * (the same model) does not, so every batched answer is compared with the same request run
 * alone. Requests differ in content, so an answer sent to the wrong request shows.
 */
@MicronautTest
@Property(name = "planline.batching.enabled", value = "true")
@Property(name = "planline.batching.max-batch-size", value = "4")
@Property(name = "planline.batching.max-queue-delay-micros", value = "300000")
@Property(name = "planline.models[0].batching.max-batch-size", value = "64")
@Property(name = "planline.models[3].name", value = "digits-mlp")
@Property(name = "planline.models[3].version", value = "2")
@Property(name = "planline.models[3].batching.enabled", value = "false")
@Property(name = "planline.models[4].name", value = "digits-cnn")
@Property(name = "planline.models[4].version", value = "2")
@Property(name = "planline.models[4].batching.enabled", value = "false")
@Property(name = "planline.models[5].name", value = "tiny-gpt")
@Property(name = "planline.models[5].version", value = "2")
@Property(name = "planline.models[5].batching.enabled", value = "false")
final class BatchingTest {

  @Inject
  EmbeddedServer server;

  @Inject
  LocalInferenceService runtime;

  private final ExecutorService clients = Executors.newFixedThreadPool(8);

  @AfterEach
  void stopClients() {
    clients.shutdownNow();
  }

  /** A request of {@code rows} digit images whose pixels depend on {@code seed}. */
  static String digits(String input, String shape, int rows, int perRow, int seed) {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < rows * perRow; i++) {
      data.append(i == 0 ? "" : ",").append((i * 7 + seed * 5) % 17);
    }
    return "{\"inputs\":[{\"name\":\"" + input + "\",\"shape\":" + shape
        + ",\"datatype\":\"FP32\",\"data\":[" + data + "]}]}";
  }

  /** A tiny-gpt request of {@code rows} sequences of {@code length} tokens. */
  static String tokens(int rows, int length, int seed) {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < rows * length; i++) {
      data.append(i == 0 ? "" : ",").append((i * 31 + seed * 11) % 256);
    }
    return "{\"inputs\":[{\"name\":\"tokens\",\"shape\":[" + rows + "," + length
        + "],\"datatype\":\"INT64\",\"data\":[" + data + "]}]}";
  }

  static float[] output(HttpResponse<byte[]> r) {
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode data = Http.json(r).get("outputs").get(0).get("data");
    float[] out = new float[data.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = data.get(i).floatValue();
    }
    return out;
  }

  static double metric(Http http, String line) {
    return OverloadTest.counter(http, line);
  }

  /** Sends every request at once to version 1, then each alone to version 2; compares. */
  private void batchedEqualsAlone(String model, List<String> requests) throws Exception {
    Http http = new Http(server);
    String count = "planline_batch_size_count{model=\"" + model + "\"} ";
    String sum = "planline_batch_size_sum{model=\"" + model + "\"} ";
    double batchesBefore = metric(http, count);
    double rowsBefore = metric(http, sum);
    List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
    for (String body : requests) {
      calls.add(CompletableFuture.supplyAsync(() -> http.postJson("/v2/models/" + model
          + "/versions/1/infer", body), clients));
    }
    List<float[]> batched = new ArrayList<>();
    for (var c : calls) {
      batched.add(output(c.get()));
    }
    for (int j = 0; j < requests.size(); j++) {
      float[] alone = output(http.postJson("/v2/models/" + model + "/versions/2/infer",
          requests.get(j)));
      assertEquals(alone.length, batched.get(j).length, model + " request " + j);
      double error = HostTensor.relativeError(batched.get(j), alone);
      assertTrue(error <= 1e-5, model + " request " + j + ": relative error " + error);
      if (j > 0) {
        assertNotEquals(batched.get(j)[0], batched.get(j - 1)[0], "requests differ");
      }
    }
    double batches = metric(http, count) - batchesBefore;
    double rows = metric(http, sum) - rowsBefore;
    assertTrue(batches >= 1 && batches < requests.size(), batches + " batches for "
        + requests.size() + " requests: none was batched");
    long expectedRows = 0;
    for (String r : requests) {
      expectedRows += Http.JSON.readTree(r).get("inputs").get(0).get("shape").get(0).asLong();
    }
    assertEquals(expectedRows, (long) rows, "every row ran exactly once");
  }

  private static List<String> each(int n, IntFunction<String> request) {
    List<String> out = new ArrayList<>();
    for (int j = 0; j < n; j++) {
      out.add(request.apply(j));
    }
    return out;
  }

  @Test
  void infer_concurrentMlpRequests_batchedAnswersEqualEachAlone() throws Exception {
    String x = new Http(server).tensorName("digits-mlp", "inputs");
    batchedEqualsAlone("digits-mlp", each(8, j -> j == 3
        ? digits(x, "[3,64]", 3, 64, j) : digits(x, "[1,64]", 1, 64, j)));
  }

  @Test
  void infer_concurrentCnnRequests_batchedAnswersEqualEachAlone() throws Exception {
    String x = new Http(server).tensorName("digits-cnn", "inputs");
    batchedEqualsAlone("digits-cnn", each(8, j -> digits(x, "[1,1,8,8]", 1, 64, j)));
  }

  @Test
  void infer_gptRequestsOfTwoLengths_batchedPerLengthAnswersEqualEachAlone() throws Exception {
    batchedEqualsAlone("tiny-gpt", each(8, j -> tokens(1, j % 2 == 0 ? 16 : 9, j)));
  }

  @Test
  void infer_requestOverMaxBatchSize_runsAloneAndIsRight() throws Exception {
    Http http = new Http(server);
    String body = tokens(5, 8, 1);
    float[] big = output(http.postJson("/v2/models/tiny-gpt/versions/1/infer", body));
    float[] alone = output(http.postJson("/v2/models/tiny-gpt/versions/2/infer", body));
    assertTrue(HostTensor.relativeError(big, alone) <= 1e-6);
  }

  @Test
  void infer_clientLeavesWhileWaiting_leavesTheBatchOthersAnswered() throws Exception {
    Http http = new Http(server);
    String cancelled = "planline_requests_total{model=\"tiny-gpt\",outcome=\"cancelled\""
        + ",version=\"1\"} ";
    String count = "planline_batch_size_count{model=\"tiny-gpt\"} ";
    String sum = "planline_batch_size_sum{model=\"tiny-gpt\"} ";
    double cancelledBefore = metric(http, cancelled);
    double batchesBefore = metric(http, count);
    double rowsBefore = metric(http, sum);
    long baseline = runtime.executor().backend().bytesInUse();
    String body = tokens(1, 12, 3);
    CompletableFuture<HttpResponse<byte[]>> stays;
    try (Socket leaving = new Socket(server.getHost(), server.getPort())) {
      RawHttp.post(leaving, "/v2/models/tiny-gpt/versions/1/infer",
          tokens(1, 12, 4).getBytes(StandardCharsets.UTF_8));
      Thread.sleep(50); // the request is parsed and waits for its batch (300 ms)
      stays = CompletableFuture.supplyAsync(() -> http.postJson(
          "/v2/models/tiny-gpt/versions/1/infer", body), clients);
      Thread.sleep(50);
    }
    float[] answer = output(stays.get());
    float[] alone = output(http.postJson("/v2/models/tiny-gpt/versions/2/infer", body));
    assertTrue(HostTensor.relativeError(answer, alone) <= 1e-5);
    assertEquals(batchesBefore + 1, metric(http, count), "one batch ran");
    assertEquals(rowsBefore + 1, metric(http, sum), "without the request that left");
    assertEquals(cancelledBefore + 1, metric(http, cancelled));
    awaitBaseline(baseline);
  }

  @Test
  void infer_clientLeavesWhileItsBatchRuns_othersAnsweredMemoryFreed() throws Exception {
    Http http = new Http(server);
    String cancelled = "planline_requests_total{model=\"tiny-gpt\",outcome=\"cancelled\""
        + ",version=\"1\"} ";
    double cancelledBefore = metric(http, cancelled);
    long baseline = runtime.executor().backend().bytesInUse();
    String body = tokens(1, 64, 5);
    CompletableFuture<HttpResponse<byte[]>> stays;
    try (Socket leaving = new Socket(server.getHost(), server.getPort())) {
      // 3 rows of 64 tokens with the other's 1: max-batch-size 4, so the batch leaves full.
      RawHttp.post(leaving, "/v2/models/tiny-gpt/versions/1/infer",
          tokens(3, 64, 6).getBytes(StandardCharsets.UTF_8));
      stays = CompletableFuture.supplyAsync(() -> http.postJson(
          "/v2/models/tiny-gpt/versions/1/infer", body), clients);
      for (int i = 0; i < 2000 && runtime.admission().running() == 0; i++) {
        Thread.sleep(1);
      }
    }
    float[] answer = output(stays.get());
    float[] alone = output(http.postJson("/v2/models/tiny-gpt/versions/2/infer", body));
    assertTrue(HostTensor.relativeError(answer, alone) <= 1e-5);
    for (int i = 0; i < 1000 && metric(http, cancelled) == cancelledBefore; i++) {
      Thread.sleep(5);
    }
    assertEquals(cancelledBefore + 1, metric(http, cancelled));
    awaitBaseline(baseline);
  }

  private void awaitBaseline(long baseline) throws InterruptedException {
    Settled.memoryBack(runtime, baseline);
  }
}
