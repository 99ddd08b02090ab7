package io.planline.config;

import static io.planline.config.ServingConfigTest.failure;
import static io.planline.config.ServingConfigTest.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code planline.batching.*} and {@code planline.models[i].batching.*} bound through a real
 * Micronaut context: per-model values override global ones, and bad values stop start-up with
 * the key, the range and the value given.
 */
final class BatchingConfigTest {

  private static BatchingSpec of(ServingConfig c, String model) {
    return c.models().stream().filter(m -> m.name().equals(model)).findFirst().orElseThrow()
        .batching();
  }

  @Test
  void resolve_nothingSet_offWithDefaults() {
    ServingConfig c = start(Map.of());
    for (ModelSpec m : c.models()) {
      assertEquals(BatchingSpec.DEFAULT, m.batching());
      assertFalse(m.batching().enabled());
    }
  }

  @Test
  void resolve_globalAndPerModel_modelValuesWinTheRestInherited() {
    ServingConfig c = start(Map.of(
        "planline.batching.enabled", "true",
        "planline.batching.max-batch-size", "16",
        "planline.batching.max-queue-delay-micros", "500",
        "planline.batching.preferred-batch-sizes", "4,8",
        "planline.models[1].batching.max-batch-size", "32",
        "planline.models[1].batching.enabled", "true",
        "planline.models[2].batching.enabled", "false"));
    // on by the global setting only, or by the model's own (which a model that cannot batch
    // must then honour: ModelOpener)
    assertEquals(new BatchingSpec(true, 16, List.of(4, 8), 500, false), of(c, "digits-mlp"));
    assertEquals(new BatchingSpec(true, 32, List.of(4, 8), 500, true), of(c, "digits-cnn"));
    assertFalse(of(c, "tiny-gpt").enabled());
  }

  @Test
  void resolve_badValues_everyProblemNamedWithItsKey() {
    String message = failure(Map.of(
        "planline.batching.enabled", "true",
        "planline.batching.max-batch-size", "0",
        "planline.batching.max-queue-delay-micros", "-1",
        "planline.models[0].batching.preferred-batch-sizes", "2,100"));
    assertTrue(message.contains("planline.batching.max-batch-size: must be between 1 and 4096,"
        + " got 0"), message);
    assertTrue(message.contains("planline.batching.max-queue-delay-micros: must be between 0"
        + " and 1000000 (one second), got -1"), message);
    assertTrue(message.contains("planline.models[0].batching.preferred-batch-sizes: 100 is"
        + " outside 1..64 (max-batch-size)"), message);
    assertEquals(1, message.split("max-queue-delay-micros", -1).length - 1,
        "a bad global value is reported once, not once per model: " + message);
  }
}
