package io.planline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.planline.backend.cpu.CpuBackend;
import io.planline.io.ProgramFormatException;
import io.planline.kernel.NativeKernels.Param;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlannerRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Programs of Inductor's Triton kernels (compiled kind {@code inductor-triton}) read and checked
 * without a GPU: a one-kernel folder around the real cubin {@code src/test/resources/cubin/
 * kernels.cubin}, and every way its description can disagree with the binary or the machine.
 */
final class TritonProgramTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CpuBackend CPU = new CpuBackend(1);

  @AfterAll
  static void close() {
    CPU.close();
  }

  private static byte[] cubin() throws IOException {
    try (InputStream in = TritonProgramTest.class.getResourceAsStream("/cubin/kernels.cubin")) {
      return in.readAllBytes();
    }
  }

  /** A program adding input x into buffer buf0 with the cubin's triton_poi_fused_add_0. */
  private static ObjectNode program() throws Exception {
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cubin()));
    return (ObjectNode) JSON.readTree(("""
        {"format": "planline-program", "version": 2, "name": "t", "symbols": [],
         "inputs": [{"name": "x", "dtype": "float32", "shape": [4]}], "weights": [],
         "compiled": {"kind": "inductor-triton", "capability": "sm_90", "kernels": {
           "triton_poi_fused_add_0": {"entry": "triton_poi_fused_add_0",
             "cubin": "triton/add.cubin", "sha256": "%s", "num_warps": 4, "shared_bytes": 0,
             "args": ["in_out_ptr0", "in_ptr0", "xnumel"], "arg_kinds": ["ptr", "ptr", "i32"],
             "launched": [0, 1, 2], "scratch": ["global", "profile"],
             "grid": {"type": "Grid1D", "blocks": {"XBLOCK": 1024}}}}},
         "lines": [
           {"kind": "AllocateLine", "node": {"name": "buf0", "device": "cuda:0",
             "dtype": "float32", "shape": [4], "stride": [1], "storage_expr": "4"}},
           {"kind": "KernelCallLine", "kernel_name": "triton_poi_fused_add_0",
             "outputs": ["buf0"], "call_args": ["buf0", "x", "4"]}],
         "outputs": [{"name": "y", "buffer": "buf0"}]}
        """).formatted(sha));
  }

  private static ObjectNode kernel(ObjectNode program) {
    return (ObjectNode) program.get("compiled").get("kernels").get("triton_poi_fused_add_0");
  }

  private static Path folder(Path dir, Consumer<ObjectNode> edit) throws Exception {
    ObjectNode p = program();
    edit.accept(p);
    Files.createDirectories(dir.resolve("triton"));
    Files.write(dir.resolve("triton/add.cubin"), cubin());
    Files.writeString(dir.resolve("program.json"), JSON.writeValueAsString(p));
    // an empty safetensors file: an 8-byte header length, then the header "{}" padded to 8
    byte[] header = "{}      ".getBytes();
    Files.write(dir.resolve("weights.safetensors"), ByteBuffer.allocate(8 + header.length)
        .order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).put(header).array());
    return dir;
  }

  private static String loadProblem(Path dir) {
    return assertThrows(ProgramFormatException.class, () -> ModelLoader.load(
        ModelLoader.folder(dir), "t", "1", PlannerRegistry.builtIn().get("offset"),
        PlanOptions.DEFAULT, CPU)).getMessage();
  }

  private static String readProblem(ObjectNode p) {
    return assertThrows(ProgramFormatException.class, () -> ModelProgramReader.read("p.json",
        new ByteArrayInputStream(JSON.writeValueAsBytes(p)))).getMessage();
  }

  @Test
  void read_tritonProgram_keepsEveryLaunchDetail() throws Exception {
    ModelProgram p = ModelProgramReader.read("p.json",
        new ByteArrayInputStream(JSON.writeValueAsBytes(program())));
    var t = assertInstanceOf(ModelProgram.TritonBinaries.class, p.compiled());
    var k = t.kernels().get("triton_poi_fused_add_0");
    assertEquals("sm_90", t.capability());
    assertEquals(List.of(Param.PTR, Param.PTR, Param.I32), k.params());
    assertEquals(2, k.scratchPointers());
    assertEquals(128, 32 * k.numWarps());
    assertEquals(List.of(Param.PTR, Param.PTR, Param.I32),
        t.signatures().get("triton_poi_fused_add_0"));
  }

  @Test
  void load_onTheCpuBackend_isRefusedSayingItNeedsCuda(@TempDir Path dir) throws Exception {
    String m = loadProblem(folder(dir, p -> { }));
    assertTrue(m.contains("runs Inductor's Triton kernels (compiled for sm_90), which need "
        + "backend cuda (this one is cpu)"), m);
  }

  @Test
  void load_binaryChangedAfterExport_isRefused(@TempDir Path dir) throws Exception {
    String m = loadProblem(folder(dir, p -> kernel(p).put("sha256", "00ff")));
    assertTrue(m.contains("triton/add.cubin") && m.contains("but program.json says 00ff"), m);
  }

  @Test
  void load_launchThatDoesNotFitTheBinary_isRefusedNamingTheParameter(@TempDir Path dir)
      throws Exception {
    String m = loadProblem(folder(dir, p -> ((ArrayNode) kernel(p).get("arg_kinds"))
        .set(2, "i64")));
    assertTrue(m.contains("parameter 2 (xnumel, I64) is 8 bytes but the binary declares 4"), m);
    m = loadProblem(folder(dir, p -> ((ArrayNode) kernel(p).get("scratch")).remove(1)));
    assertTrue(m.contains("the binary declares 5 parameters, the launch passes 3 arguments and "
        + "1 scratch pointers"), m);
  }

  @Test
  void load_missingBinary_isRefusedNamingIt(@TempDir Path dir) throws Exception {
    folder(dir, p -> { });
    Files.delete(dir.resolve("triton/add.cubin"));
    String m = loadProblem(dir);
    assertTrue(m.contains("triton/add.cubin") && m.contains("cannot read"), m);
  }

  @Test
  void read_badDescriptions_failNamingTheField() throws Exception {
    ObjectNode p = program();
    kernel(p).put("cubin", "../../etc/passwd");
    assertTrue(readProblem(p).contains("kernels.triton_poi_fused_add_0, field cubin: "
        + "'../../etc/passwd' must be a relative path inside the model folder"), readProblem(p));
    p = program();
    ((ObjectNode) kernel(p).get("grid")).put("type", "CooperativeReductionGrid");
    assertTrue(readProblem(p).contains("grid type 'CooperativeReductionGrid'"), readProblem(p));
    p = program();
    ((ArrayNode) kernel(p).get("launched")).add(7);
    assertTrue(readProblem(p).contains("launched argument 7 of 3"), readProblem(p));
    p = program();
    ((ArrayNode) ((ObjectNode) p.get("lines").get(1)).get("call_args")).remove(2);
    assertTrue(readProblem(p).contains("kernel triton_poi_fused_add_0 takes 3 arguments"),
        readProblem(p));
  }
}
