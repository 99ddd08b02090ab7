package io.planline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.cpu.CpuBackend;
import io.planline.io.ProgramFormatException;
import io.planline.testing.ModelFolders;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import io.planline.testing.StridedWeightProgram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Strided weights (format version 3): read, checked against the stored data, viewed in place. */
final class WeightLayoutsTest {

  /** The program of {@link StridedWeightProgram}: w [4, 3] column-major. */
  static final String PROGRAM = StridedWeightProgram.TEXT;

  /** The stored [3, 4] data: row j holds column j of w. */
  static final float[] STORED = StridedWeightProgram.STORED;

  private final CpuBackend backend = new CpuBackend(1);

  @AfterEach
  void close() {
    backend.close();
  }

  private Model load(Path dir) {
    return ModelFolders.load(dir, backend, ModelLoader.Kernels.AUTO);
  }

  private static String stride(String stride) {
    return PROGRAM.replace("\"stride\": [1, 4]}", "\"stride\": " + stride + "}");
  }

  private static String problem(String program) {
    return assertThrows(ProgramFormatException.class, () -> ModelProgramReaderTest.read(program))
        .getMessage();
  }

  @Test
  void read_strideOnlyWhereWritten() throws IOException {
    ModelProgram p = ModelProgramReaderTest.read(PROGRAM);
    assertEquals(List.of(1L, 4L), p.weights().get(0).stride());
    assertNull(ModelProgramReaderTest.read(ModelProgramReaderTest.PROGRAM).weights().get(0)
        .stride());
  }

  @Test
  void read_badStride_isRefusedNamingTheWeight() {
    String msg = problem(stride("[1]"));
    assertTrue(msg.contains("weights[0]") && msg.contains("weight w: stride [1] has rank 1 but "
        + "shape [4, 3] has rank 2"), msg);
    msg = problem(stride("[1, -4]"));
    assertTrue(msg.contains("weight w: expected non-negative integers"), msg);
    msg = problem(stride("[1, \"4\"]"));
    assertTrue(msg.contains("weight w: expected non-negative integers"), msg);
    msg = problem(stride("[0, 1]")); // a broadcast: fewer elements than the shape
    assertTrue(msg.contains("weight w: stride [0, 1] of shape [4, 3] is not a permutation of a "
        + "dense layout"), msg);
    msg = problem(stride("[1, 5]")); // a gap after every column
    assertTrue(msg.contains("not a permutation of a dense layout"), msg);
    msg = problem(PROGRAM.replace("\"version\": 3", "\"version\": 2"));
    assertTrue(msg.contains("a weight's stride needs format version 3 (weight w)"), msg);
  }

  @Test
  void dense_sizeOneDimensionsTakeAnyStride() {
    // a channels-last [O, I, kh, kw] convolution weight, and one with I = 1
    assertTrue(WeightLayouts.dense(List.of(64L, 3L, 7L, 7L), List.of(147L, 1L, 21L, 3L)));
    assertTrue(WeightLayouts.dense(List.of(8L, 1L, 3L, 3L), List.of(9L, 1L, 3L, 1L)));
    assertTrue(WeightLayouts.dense(List.of(4L, 3L), List.of(3L, 1L)));
    assertTrue(!WeightLayouts.dense(List.of(4L, 3L), List.of(3L, 3L)));
  }

  @Test
  void load_stridedWeight_isAViewOfTheStoredData(@TempDir Path dir) throws IOException {
    ModelFolders.write(dir, PROGRAM, "fc.weight", new long[] {3, 4}, STORED);
    Model m = load(dir);
    var w = m.weights().get("w");
    // downloaded in the weight's row-major order: w[k][j] = STORED[j][k]
    float[] want = new float[12];
    for (int k = 0; k < 4; k++) {
      for (int j = 0; j < 3; j++) {
        want[k * 3 + j] = STORED[j * 4 + k];
      }
    }
    assertArrayEquals(want, backend.download(w, "w").floats());
  }

  @Test
  void load_storedShapeNotAPermutation_failsNamingTheTensor(@TempDir Path dir)
      throws IOException {
    ModelFolders.write(dir, PROGRAM, "fc.weight", new long[] {2, 6}, STORED);
    String msg = assertThrows(ProgramFormatException.class, () -> load(dir)).getMessage();
    assertTrue(msg.contains("weights.safetensors") && msg.contains("tensor fc.weight")
        && msg.contains("is float32 [2, 6] but the program declares float32 [4, 3] stride [1, 4]"
            + ", stored in memory order as [3, 4]"), msg);
    // a row-major file under a strided program (a program written without its weights, beside
    // another program's file): the same elements, in the other order
    ModelFolders.write(dir, PROGRAM, "fc.weight", new long[] {4, 3}, STORED);
    msg = assertThrows(ProgramFormatException.class, () -> load(dir)).getMessage();
    assertTrue(msg.contains("is float32 [4, 3] but"), msg);
  }

  @Test
  void load_twoWeightsViewingOneStoredTensor_shareItsBytes(@TempDir Path dir)
      throws IOException {
    // a tied weight as freezing leaves it: [3, 4] as stored, and [4, 3] transposed over it
    String program = PROGRAM.replace("\"stride\": [1, 4]}", "\"stride\": [1, 4]}, {\"name\": "
        + "\"wt\", \"tensor\": \"fc.weight\", \"dtype\": \"float32\", \"shape\": [3, 4]}");
    ModelFolders.write(dir, program, "fc.weight", new long[] {3, 4}, STORED);
    Model m = load(dir);
    assertArrayEquals(STORED, backend.download(m.weights().get("wt"), "wt").floats());
    assertEquals(4, backend.download(m.weights().get("w"), "w").shape()[0]);
    assertEquals(12 * 4, m.weightBytes()); // counted once
  }

  @Test
  void load_programWithItsOwnWeights_readsThemBesideIt(@TempDir Path dir) throws IOException {
    // the folder's own file holds a row-major [4, 3], which the strided program refuses:
    // loading succeeds only from inductor/weights.safetensors
    ModelFolders.write(dir, ModelProgramReaderTest.PROGRAM, "fc.weight", new long[] {4, 3},
        STORED);
    ModelFolders.write(dir.resolve("inductor"), PROGRAM, "fc.weight", new long[] {3, 4}, STORED);
    Model m = ModelFolders.load(dir, backend, ModelLoader.Kernels.INDUCTOR);
    assertEquals(List.of(1L, 4L), m.program().weights().get(0).stride());
    assertEquals(STORED[1], backend.download(m.weights().get("w"), "w").floats()[3]);
  }

  @Test
  void memoryOrder_channelsLastConvolutionWeight_isOhwi() {
    assertArrayEquals(new long[] {64, 7, 7, 3}, WeightLayouts.memoryOrder(
        new long[] {64, 3, 7, 7}, new long[] {147, 1, 21, 3}));
  }
}
