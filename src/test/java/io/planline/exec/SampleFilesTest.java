package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.ProgramFormatException;
import io.planline.model.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model folder's sample in its two forms, both written by the exporters' {@code write_sample}
 * (tools/planline_export.py) from the same tensors: {@code sample.json}, and
 * {@code sample.safetensors} for samples too large for JSON text.
 */
final class SampleFilesTest {

  private static Path resource(String dir) throws Exception {
    return Path.of(SampleFilesTest.class.getResource("/samples/" + dir).toURI());
  }

  @Test
  void of_binarySample_holdsTheSameTensorsAsItsJsonForm() throws Exception {
    Samples.Sample bin = Samples.of(ModelLoader.folder(resource("binary")));
    Samples.Sample json = Samples.of(ModelLoader.folder(resource("json")));
    assertEquals(json.inputs().keySet(), bin.inputs().keySet());
    assertEquals(json.outputs().keySet(), bin.outputs().keySet());
    assertArrayEquals(new long[] {1, 5}, bin.inputs().get("tokens").shape());
    assertEquals(json.inputs().get("tokens").data(), bin.inputs().get("tokens").data());
    assertArrayEquals(new long[] {1, 5, 7}, bin.outputs().get("logits").shape());
    assertArrayEquals(json.outputs().get("logits").floats(),
        bin.outputs().get("logits").floats());
  }

  @Test
  void of_tensorOutsideInputsAndOutputs_isRefusedNamingIt() throws Exception {
    var e = assertThrows(ProgramFormatException.class,
        () -> Samples.of(ModelLoader.folder(resource("stray"))));
    assertTrue(e.getMessage().contains("sample.safetensors")
        && e.getMessage().contains("weights.w")
        && e.getMessage().contains("neither inputs.NAME nor outputs.NAME"), e.getMessage());
  }

  @Test
  void of_truncatedBinarySample_isRefusedNamingTheFile(@TempDir Path dir) throws Exception {
    byte[] whole = Files.readAllBytes(resource("binary").resolve("sample.safetensors"));
    Files.write(dir.resolve("sample.safetensors"), Arrays.copyOf(whole, whole.length - 9));
    var e = assertThrows(ProgramFormatException.class,
        () -> Samples.of(ModelLoader.folder(dir)));
    assertTrue(e.getMessage().contains(dir.resolve("sample.safetensors").toString()),
        e.getMessage());
  }
}
