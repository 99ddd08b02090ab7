package io.planline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.cpu.CpuBackend;
import io.planline.io.ProgramFormatException;
import io.planline.testing.ModelFolders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading checks everything a request would trip over later, and says which file and what. */
final class ModelLoaderTest {

  private final CpuBackend backend = new CpuBackend(1);

  @AfterEach
  void close() {
    backend.close();
  }

  private Model load(Path dir) {
    return ModelFolders.load(dir, backend, ModelLoader.Kernels.AUTO);
  }

  private static String program(String kernel, String weightShape) {
    return ModelProgramReaderTest.PROGRAM.replace("aten.relu.default", kernel)
        .replace("\"shape\": [3, 4]}", "\"shape\": " + weightShape + "}");
  }

  @Test
  void load_operatorWithoutKernel_failsAtLoadNamingIt(@TempDir Path dir) throws IOException {
    ModelFolders.write(dir, program("aten.fancy_op.default", "[3, 4]"), "fc.weight",
        new long[] {3, 4}, new float[12]);
    var e = assertThrows(ProgramFormatException.class, () -> load(dir));
    assertTrue(e.getMessage().contains("program.json") && e.getMessage().contains(
        "no kernel for [aten.fancy_op.default]"), e.getMessage());
  }

  @Test
  void load_weightMissingOrMisshapen_failsNamingTensor(@TempDir Path dir) throws IOException {
    ModelFolders.write(dir, program("aten.relu.default", "[3, 4]"), "other.weight",
        new long[] {3, 4}, new float[12]);
    var e = assertThrows(ProgramFormatException.class, () -> load(dir));
    assertTrue(e.getMessage().contains("tensor fc.weight") && e.getMessage().contains("missing"),
        e.getMessage());
    ModelFolders.write(dir, program("aten.relu.default", "[3, 4]"), "fc.weight",
        new long[] {4, 3}, new float[12]);
    e = assertThrows(ProgramFormatException.class, () -> load(dir));
    assertTrue(e.getMessage().contains("[4, 3] but the program declares float32 [3, 4]"),
        e.getMessage());
  }

  @Test
  void load_truncatedWeights_failsNamingFile(@TempDir Path dir) throws IOException {
    ModelFolders.write(dir, program("aten.relu.default", "[3, 4]"), "fc.weight",
        new long[] {3, 4}, new float[12]);
    byte[] all = Files.readAllBytes(dir.resolve("weights.safetensors"));
    Files.write(dir.resolve("weights.safetensors"), java.util.Arrays.copyOf(all, all.length - 7));
    var e = assertThrows(ProgramFormatException.class, () -> load(dir));
    assertTrue(e.getMessage().contains("weights.safetensors"), e.getMessage());
  }

  @Test
  void load_subnormalWeights_becomeZeroOfTheirSign(@TempDir Path dir) throws IOException {
    float[] values = new float[12];
    values[0] = 1e-40f;
    values[1] = -1e-40f;
    values[2] = Float.MIN_VALUE;
    values[3] = Float.MIN_NORMAL;
    values[4] = -0.5f;
    ModelFolders.write(dir, program("aten.relu.default", "[3, 4]"), "fc.weight",
        new long[] {3, 4}, values);
    Model m = load(dir);
    float[] got = backend.download(m.weights().values().iterator().next(), "w").floats();
    assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(got[0]));
    assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(got[1]));
    assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(got[2]));
    assertEquals(Float.MIN_NORMAL, got[3]); // the smallest normal float stays
    assertEquals(-0.5f, got[4]);
  }

  @Test
  void load_missingFolder_saysSo(@TempDir Path dir) {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ModelLoader.folder(dir.resolve("nope")));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }
}
