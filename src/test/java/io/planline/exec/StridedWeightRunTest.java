package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.planline.backend.HostTensor;
import io.planline.testing.ModelFolders;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A program whose weight is strided (format version 3) runs with the weight as it reads it. */
final class StridedWeightRunTest {

  /** y = relu(x @ w), w [4, 3] column-major, stored as w^T [3, 4] (memory order). */
  private static final String PROGRAM = """
      {"format": "planline-program", "version": 3, "name": "strided",
       "symbols": ["s0"],
       "inputs": [{"name": "x", "dtype": "float32", "shape": ["s0", 4]}],
       "outputs": [{"name": "y", "buffer": "buf1"}],
       "weights": [{"name": "w", "tensor": "fc.weight", "dtype": "float32", "shape": [4, 3],
                    "stride": [1, 4]}],
       "lines": [
        {"kind": "AllocateLine", "node": {"name": "buf0", "device": "cpu", "dtype": "float32",
         "shape": ["s0", 3], "stride": [3, 1], "storage_expr": "3*s0"}},
        {"kind": "KernelCallLine", "kernel_name": "aten.mm.default", "outputs": ["buf0"],
         "call_args": ["x", "w"]},
        {"kind": "AllocateLine", "node": {"name": "buf1", "device": "cpu", "dtype": "float32",
         "shape": ["s0", 3], "stride": [3, 1], "storage_expr": "3*s0"}},
        {"kind": "KernelCallLine", "kernel_name": "aten.relu.default", "outputs": ["buf1"],
         "call_args": ["buf0"]},
        {"kind": "FreeIfNotReusedLine", "node": {"name": "buf0"}}
       ]}
      """;

  @Test
  void infer_stridedWeight_givesTheProductWithTheLogicalWeight(@TempDir Path tmp)
      throws IOException {
    float[] stored = {1, 2, 3, 4, -1, -2, -3, -4, 0.5f, 0, 0, 0.25f}; // row j = column j of w
    Path folder = ModelFolders.write(tmp.resolve("strided"), PROGRAM, "fc.weight",
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
