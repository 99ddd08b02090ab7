package io.planline.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.model.Model;
import io.planline.model.ModelLoader;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlannerRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** An unloaded model's weights go back to the device (explicit model control's unload). */
@Tag("gpu")
final class ModelReleaseGpuTest {

  @Test
  void releaseModel_freesItsWeightBlockAndKeepsTheOthers() {
    try (CudaBackend gpu = CudaBackend.open(1)) {
      Model kept = ModelLoader.load(ModelLoader.builtIn("digits-mlp"), "digits-mlp", "1",
          PlannerRegistry.builtIn().get("offset"), PlanOptions.DEFAULT, gpu);
      long keptBytes = gpu.weightBytes();
      Model gone = ModelLoader.load(ModelLoader.builtIn("tiny-gpt"), "tiny-gpt", "1",
          PlannerRegistry.builtIn().get("offset"), PlanOptions.DEFAULT, gpu);
      assertTrue(gpu.weightBytes() > keptBytes);
      gpu.releaseModel(gone.weights(), gone.nativeKernels());
      assertEquals(keptBytes, gpu.weightBytes(), "only the unloaded model's block is freed");
      gpu.releaseModel(gone.weights(), gone.nativeKernels()); // twice: nothing more
      assertEquals(keptBytes, gpu.weightBytes());
      assertTrue(kept.weights().size() > 0);
    }
  }
}
