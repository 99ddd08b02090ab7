package io.planline.testing;

import io.planline.backend.Backend;
import io.planline.model.Model;
import io.planline.model.ModelLoader;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlannerRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small model folders (program.json plus a one-tensor safetensors file) for tests. */
public final class ModelFolders {

  private ModelFolders() {}

  /**
   * A program whose second kernel always fails at run time: it shifts valid indices by 10 and then
   * looks them up in a 4-row table.
   */
  public static final String FAILING = """
      {"format": "planline-program", "version": 1, "name": "failing", "symbols": ["s0"],
       "inputs": [{"name": "idx", "dtype": "int64", "shape": ["s0"]}],
       "outputs": [{"name": "y", "buffer": "buf1"}],
       "weights": [{"name": "w", "tensor": "w", "dtype": "float32", "shape": [4, 2]}],
       "lines": [
        {"kind": "AllocateLine", "node": {"name": "buf0", "device": "cpu", "dtype": "int64",
         "shape": ["s0"], "stride": [1], "storage_expr": "s0"}},
        {"kind": "KernelCallLine", "kernel_name": "aten.add.Scalar", "outputs": ["buf0"],
         "call_args": ["idx", "10", "1"]},
        {"kind": "AllocateLine", "node": {"name": "buf1", "device": "cpu", "dtype": "float32",
         "shape": ["s0", 2], "stride": [2, 1], "storage_expr": "2*s0"}},
        {"kind": "KernelCallLine", "kernel_name": "aten.embedding.default", "outputs": ["buf1"],
         "call_args": ["w", "buf0", "-1", "False", "False"]},
        {"kind": "FreeIfNotReusedLine", "node": {"name": "buf0"}}
       ]}
      """;

  /**
   * Loads the model folder {@code dir} as "m" version 1 on {@code backend} with the greedy
   * planner, choosing its program as {@code kernels} says.
   */
  public static Model load(Path dir, Backend backend, ModelLoader.Kernels kernels) {
    return ModelLoader.load(ModelLoader.folder(dir), "m", "1",
        PlannerRegistry.builtIn().get("greedy"), PlanOptions.DEFAULT, backend, kernels);
  }

  /** Writes {@code program} and a float32 weight {@code key} of {@code shape} into {@code dir}. */
  public static Path write(Path dir, String program, String key, long[] shape, float[] values)
      throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("program.json"), program);
    String header = "{\"" + key + "\":{\"dtype\":\"F32\",\"shape\":"
        + java.util.Arrays.toString(shape) + ",\"data_offsets\":[0," + values.length * 4 + "]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + values.length * 4)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    for (float v : values) {
      b.putFloat(v);
    }
    Files.write(dir.resolve("weights.safetensors"), b.array());
    return dir;
  }
}
