package io.planline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.ProgramFormatException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** {@code batch_dim} in program.json: as written, or inferred from a shared dynamic first dim. */
final class BatchDimTest {

  private static final String PROGRAM = ModelProgramReaderTest.PROGRAM;

  private static String with(String field) {
    return PROGRAM.replace("\"symbols\": [\"s0\"],", "\"symbols\": [\"s0\"], " + field);
  }

  @Test
  void read_noField_dynamicFirstDimensionIsTheBatch() throws IOException {
    assertEquals(0, ModelProgramReaderTest.read(PROGRAM).batchDim());
  }

  @Test
  void read_explicitNull_notBatchable() throws IOException {
    assertNull(ModelProgramReaderTest.read(with("\"batch_dim\": null,")).batchDim());
  }

  @Test
  void read_staticFirstDimensionAndNoField_notBatchable() throws IOException {
    String fixed = PROGRAM.replace("\"shape\": [\"s0\", 4]", "\"shape\": [2, 4]")
        .replace("\"shape\": [\"s0\", 3]", "\"shape\": [2, 3]")
        .replace("\"3*s0\"", "\"6\"").replace("\"symbols\": [\"s0\"]", "\"symbols\": []");
    assertNull(ModelProgramReaderTest.read(fixed).batchDim());
  }

  @Test
  void read_batchDimOnAStaticDimension_refusedNamingTheInput() {
    var e = assertThrows(ProgramFormatException.class,
        () -> ModelProgramReaderTest.read(with("\"batch_dim\": 1,")));
    assertTrue(e.getMessage().contains("batch_dim") && e.getMessage().contains("input 'x'"),
        e.getMessage());
  }

  @Test
  void read_outputWhoseRowsDependOnEachOther_notBatchable_orRefusedWhereDeclared()
      throws IOException {
    // scores of every row against every row, [s0, s0]: merged requests would see each other's
    String pairwise = PROGRAM.replace("\"buffer\": \"buf1\"}",
        "\"buffer\": \"buf1\", \"dtype\": \"float32\", \"shape\": [\"s0\", \"s0\"]}");
    assertNull(ModelProgramReaderTest.read(pairwise).batchDim());
    var e = assertThrows(ProgramFormatException.class, () -> ModelProgramReaderTest.read(
        pairwise.replace("\"symbols\": [\"s0\"],", "\"symbols\": [\"s0\"], \"batch_dim\": 0,")));
    assertTrue(e.getMessage().contains("output 'y' [s0, s0]")
        && e.getMessage().contains("\"batch_dim\": null"), e.getMessage());
    // an output shape that does not depend on the batch past its first dimension is batchable
    String plain = PROGRAM.replace("\"buffer\": \"buf1\"}",
        "\"buffer\": \"buf1\", \"dtype\": \"float32\", \"shape\": [\"s0\", 3]}");
    assertEquals(0, ModelProgramReaderTest.read(plain).batchDim());
  }

  @Test
  void read_negativeBatchDim_refused() {
    var e = assertThrows(ProgramFormatException.class,
        () -> ModelProgramReaderTest.read(with("\"batch_dim\": -1,")));
    assertTrue(e.getMessage().contains("expected a dimension"), e.getMessage());
  }

  @Test
  void builtInModels_batchAlongDimensionZero() throws IOException {
    for (String m : java.util.List.of("digits-mlp", "digits-cnn", "tiny-gpt")) {
      for (String dir : java.util.List.of("", "inductor/")) {
        try (var in = BatchDimTest.class.getResourceAsStream("/models/" + m + "/" + dir
            + "program.json")) {
          assertEquals(0, ModelProgramReader.read(m, in).batchDim(), m + " " + dir);
        }
      }
    }
  }
}
