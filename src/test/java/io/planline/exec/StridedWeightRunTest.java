package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.planline.backend.HostTensor;
import io.planline.testing.ModelFolders;
import io.planline.testing.StridedWeightProgram;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A program whose weight is strided (format version 3) runs with the weight as it reads it. */
final class StridedWeightRunTest {

  @Test
  void infer_stridedWeight_givesTheProductWithTheLogicalWeight(@TempDir Path tmp)
      throws IOException {
    float[] stored = StridedWeightProgram.STORED;
    Path folder = ModelFolders.write(tmp.resolve("strided"), StridedWeightProgram.TEXT, "fc.weight",
        new long[] {3, 4}, stored);
    float[] x = {1, 0, 0, 0, 0, 1, 2, 3};
    float[] want = new float[6];
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 3; j++) {
        float sum = 0;
        for (int k = 0; k < 4; k++) {
          sum += x[i * 4 + k] * stored[j * 4 + k];
        }
        want[i * 3 + j] = Math.max(sum, 0f);
      }
    }
    var settings = new RuntimeSettings("cpu", "greedy", List.of(
        new RuntimeSettings.ModelSpec("strided", "1", folder.toString(), null)), 4, 1, 4,
        Long.MAX_VALUE, 1_000);
    try (LocalInferenceService s = Runtimes.create(settings)) {
      for (int run = 0; run < 2; run++) {
        List<HostTensor> out = s.infer("strided", null,
            Map.of("x", HostTensor.ofFloats("x", new long[] {2, 4}, x)))
            .block(Duration.ofMinutes(1));
        assertArrayEquals(want, out.get(0).floats(), 1e-6f);
      }
    }
  }
}
