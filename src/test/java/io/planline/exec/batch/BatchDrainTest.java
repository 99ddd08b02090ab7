package io.planline.exec.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.HostTensor;
import io.planline.exec.InferenceException;
import io.planline.exec.LocalInferenceService;
import io.planline.exec.RuntimeSettings;
import io.planline.exec.Runtimes;
import io.planline.model.ModelLoader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * A drain keeps what was accepted: requests waiting for their batch when it starts still run
 * and are answered before admission closes; requests after it are refused as shutdown.
 */
final class BatchDrainTest {

  private static Map<String, HostTensor> image(float seed) {
    float[] v = new float[64];
    for (int i = 0; i < v.length; i++) {
      v[i] = (i * 7 + seed) % 17;
    }
    return Map.of("x", HostTensor.ofFloats("x", new long[] {1, 64}, v));
  }

  @Test
  void drain_requestsWaitingForABatch_answeredThenNewOnesRefused() throws Exception {
    // no preferred sizes: a batch reaching the largest one would leave at once, without waiting
    var spec = new RuntimeSettings.ModelSpec("digits-mlp", "1", null, null,
        ModelLoader.Kernels.AUTO, BatchSettings.of(8, List.of(), 300_000));
    var settings = new RuntimeSettings("cpu", "offset", List.of(spec), 64, 2, 64,
        Long.MAX_VALUE, 1_000);
    try (LocalInferenceService s = Runtimes.create(settings)) {
      // One request first, so that [1,64] is planned and the next two reach the batcher as they
      // are sent: a request still being planned when the drain starts is not yet waiting for a
      // batch.
      s.infer("digits-mlp", null, image(0)).block(Duration.ofSeconds(10));
      var first = s.infer("digits-mlp", null, image(1)).toFuture();
      var second = s.infer("digits-mlp", null, image(2)).toFuture();
      // Waiting is checked on the requests, not on the drain: the drain lets the forming batch
      // leave at once, and a batch of two can be answered before drain() returns (seen on
      // reactor-core 3.8 in CI's clean clone of 4b2009f).
      assertFalse(first.isDone() || second.isDone(), "both wait for their batch (300 ms)");
      var drained = s.drain();
      assertEquals(10, first.get(10, TimeUnit.SECONDS).get(0).elements());
      assertEquals(10, second.get(10, TimeUnit.SECONDS).get(0).elements());
      drained.get(10, TimeUnit.SECONDS);
      StepVerifier.create(Mono.defer(() -> s.infer("digits-mlp", null, image(3))))
          .expectErrorSatisfies(e -> assertTrue(e instanceof InferenceException.Overloaded o
              && o.reason().equals("shutdown"), e.toString()))
          .verify(Duration.ofSeconds(10));
    }
  }
}
