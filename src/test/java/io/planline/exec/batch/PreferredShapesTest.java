package io.planline.exec.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.planline.exec.LocalInferenceService;
import io.planline.exec.RuntimeSettings;
import io.planline.exec.Runtimes;
import io.planline.model.ModelLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Preferred batch sizes are planned at start-up where the other dimensions are fixed. */
final class PreferredShapesTest {

  private static RuntimeSettings settings(String model, List<Integer> preferred) {
    return new RuntimeSettings("cpu", "offset", List.of(new RuntimeSettings.ModelSpec(model, "1",
        null, null, ModelLoader.Kernels.AUTO, BatchSettings.of(16, preferred, 1_000))), 64, 2,
        64, Long.MAX_VALUE, 1_000);
  }

  @Test
  void create_preferredSizesOfAFixedShapeModel_plannedBeforeAnyRequest() {
    try (LocalInferenceService s = Runtimes.create(settings("digits-cnn", List.of(1, 4, 16)))) {
      assertEquals(3, s.cachedShapes(s.find("digits-cnn", null)));
    }
  }

  @Test
  void create_modelWithASequenceDimension_nothingPlannedAhead() {
    try (LocalInferenceService s = Runtimes.create(settings("tiny-gpt", List.of(1, 4)))) {
      assertEquals(0, s.cachedShapes(s.find("tiny-gpt", null)));
    }
  }
}
