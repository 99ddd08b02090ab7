package io.planline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.OnnxAdvice;
import io.planline.model.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ONNX model given where planline expects its own model folder or a program file gets a
 * message that says what planline reads and how to convert, through every door: {@code run},
 * {@code plan} and {@link ModelLoader#folder}. The ONNX files are real ones: the built-in
 * models' exports ship {@code model.onnx} beside {@code program.json}.
 */
final class OnnxIntakeTest {

  /** A real ONNX file: digits-mlp's, as its exporter wrote it. */
  private static Path realOnnx(Path dir) throws Exception {
    Path onnx = dir.resolve("digits-mlp.onnx");
    try (var in = ModelLoader.class.getResourceAsStream("/models/digits-mlp/model.onnx")) {
      org.junit.jupiter.api.Assumptions.assumeTrue(in != null, "no model.onnx in this build");
      Files.copy(in, onnx);
    }
    return onnx;
  }

  private static void assertSaysHowToConvert(String message) {
    assertTrue(message.contains("planline does not read ONNX graphs"), message);
    assertTrue(message.contains("program.json, weights.safetensors, model.json"), message);
    assertTrue(message.contains("tools/planline_export.py MODULE:FACTORY OUT_DIR"), message);
  }

  @Test
  void run_onnxFile_exit2_namesTheFileAndHowToConvert(@TempDir Path dir) throws Exception {
    Path onnx = realOnnx(dir);
    PlanCommandTest.Result r = PlanCommandTest.run("run", onnx.toString());
    assertEquals(2, r.status(), r.out());
    assertTrue(r.err().startsWith("planline: " + onnx + ": an ONNX model; "), r.err());
    assertSaysHowToConvert(r.err());
  }

  @Test
  void run_folderWithOnlyAnOnnxFile_namesTheOnnxFile(@TempDir Path dir) throws Exception {
    realOnnx(dir);
    PlanCommandTest.Result r = PlanCommandTest.run("run", dir.toString());
    assertEquals(2, r.status(), r.out());
    assertTrue(r.err().contains(dir + ": holds an ONNX model (digits-mlp.onnx) but no"
        + " program.json"), r.err());
    assertSaysHowToConvert(r.err());
  }

  @Test
  void plan_onnxFile_exit2_insteadOfUnknownFileType(@TempDir Path dir) throws Exception {
    Path onnx = realOnnx(dir);
    PlanCommandTest.Result r = PlanCommandTest.run("plan", onnx.toString());
    assertEquals(2, r.status(), r.out());
    assertFalse(r.err().contains("unknown file type"), r.err());
    assertSaysHowToConvert(r.err());
    assertTrue(r.err().contains(".json line dumps, .py Inductor output code or .csv"), r.err());
  }

  @Test
  void onnxInsideAModelFolder_pointsAtTheFolder(@TempDir Path dir) throws Exception {
    Path onnx = realOnnx(dir);
    Files.writeString(dir.resolve("program.json"), "{}");
    assertEquals("an ONNX file inside a planline model folder: give the folder, "
        + dir.toAbsolutePath() + ", instead", OnnxAdvice.about(onnx).orElseThrow());
    // the folder itself is a model folder: no advice
    assertTrue(OnnxAdvice.about(dir).isEmpty());
  }

  @Test
  void modelLoaderFolder_onnxFile_refusedWithTheAdvice(@TempDir Path dir) throws Exception {
    Path onnx = realOnnx(dir);
    var e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.folder(onnx));
    assertTrue(e.getMessage().startsWith(onnx + ": an ONNX model; "), e.getMessage());
    assertSaysHowToConvert(e.getMessage());
  }

  @Test
  void about_otherFiles_noAdvice(@TempDir Path dir) throws Exception {
    Path csv = Files.writeString(dir.resolve("buffers.csv"), "id,lower,upper,size\n");
    assertTrue(OnnxAdvice.about(csv).isEmpty());
    assertTrue(OnnxAdvice.about(dir.resolve("missing.json")).isEmpty());
    assertTrue(OnnxAdvice.about(dir).isEmpty(), "a folder without an ONNX file");
  }
}
