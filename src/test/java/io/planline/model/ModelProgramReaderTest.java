package io.planline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.ProgramFormatException;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.plan.Liveness;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ModelProgramReaderTest {

  /** y = relu(x @ w^T), with a view of the weight and a dynamic batch. */
  static final String PROGRAM = """
      {"format": "planline-program", "version": 1, "name": "tiny",
       "symbols": ["s0"],
       "inputs": [{"name": "x", "dtype": "float32", "shape": ["s0", 4]}],
       "outputs": [{"name": "y", "buffer": "buf1"}],
       "weights": [{"name": "w", "tensor": "fc.weight", "dtype": "float32", "shape": [3, 4]}],
       "lines": [
        {"kind": "ReinterpretLine", "node": {"name": "w"}, "offset": "0",
         "reused_as": {"name": "wt", "dtype": "float32", "shape": [4, 3], "stride": [1, 4]}},
        {"kind": "AllocateLine", "node": {"name": "buf0", "device": "cpu", "dtype": "float32",
         "shape": ["s0", 3], "stride": [3, 1], "storage_expr": "3*s0"}},
        {"kind": "KernelCallLine", "kernel_name": "aten.mm.default", "outputs": ["buf0"],
         "call_args": ["x", "wt"]},
        {"kind": "AllocateLine", "node": {"name": "buf1", "device": "cpu", "dtype": "float32",
         "shape": ["s0", 3], "stride": [3, 1], "storage_expr": "3*s0"}},
        {"kind": "KernelCallLine", "kernel_name": "aten.relu.default", "outputs": ["buf1"],
         "call_args": ["buf0"]},
        {"kind": "FreeIfNotReusedLine", "node": {"name": "buf0"}}
       ]}
      """;

  static ModelProgram read(String text) throws IOException {
    return ModelProgramReader.read("test.json",
        new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void read_validProgram_bindsPerBatch() throws IOException {
    ModelProgram p = read(PROGRAM);
    assertEquals(List.of("s0"), p.symbols());
    Map<String, Long> symbols = ProgramBinder.symbolsFor(p, Map.of("x", new long[] {5, 4}));
    assertEquals(Map.of("s0", 5L), symbols);
    Graph g = ProgramBinder.bind(p, symbols);
    var alloc = (WrapperLine.AllocateLine) g.lines().get(1);
    assertEquals(5 * 3 * 4, alloc.node().bytes());
    assertEquals(List.of(5L, 3L), alloc.node().shape());
    // buf0 is freed after the relu; buf1 is an output and lives to the end.
    var ranges = Liveness.of(g);
    assertEquals(2, ranges.size());
    assertEquals(5, ranges.get(0).lastLine());
    assertEquals(g.lines().size() - 1, ranges.get(1).lastLine());
  }

  @Test
  void symbolsFor_wrongFixedDimension_namesInputAndDimension() throws IOException {
    ModelProgram p = read(PROGRAM);
    var e = assertThrows(IllegalArgumentException.class,
        () -> ProgramBinder.symbolsFor(p, Map.of("x", new long[] {2, 5})));
    assertTrue(e.getMessage().contains("input 'x': dimension 1 must be 4"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ProgramBinder.symbolsFor(p, Map.of("y", new long[] {2, 4})));
    assertTrue(e.getMessage().contains("missing input 'x'"), e.getMessage());
  }

  @Test
  void read_useBeforeDefinition_namesLineAndField() {
    String bad = PROGRAM.replace("\"call_args\": [\"buf0\"]", "\"call_args\": [\"buf0\"]")
        .replace("{\"kind\": \"FreeIfNotReusedLine\", \"node\": {\"name\": \"buf0\"}}",
            "{\"kind\": \"FreeIfNotReusedLine\", \"node\": {\"name\": \"buf9\"}}");
    var e = assertThrows(ProgramFormatException.class, () -> read(bad));
    assertTrue(e.getMessage().contains("lines[5] (FreeIfNotReusedLine), field node.name"),
        e.getMessage());
    assertTrue(e.getMessage().contains("'buf9' is used before anything defines it"),
        e.getMessage());
  }

  @Test
  void read_badInputs_failWithLocation() {
    assertTrue(assertThrows(ProgramFormatException.class, () -> read(PROGRAM.substring(0, 200)))
        .getMessage().contains("malformed JSON"));
    assertTrue(assertThrows(ProgramFormatException.class,
        () -> read(PROGRAM.replace("\"version\": 1", "\"version\": 7")))
        .getMessage().contains("version 7 is not supported"));
    assertTrue(assertThrows(ProgramFormatException.class,
        () -> read(PROGRAM.replace("\"3*s0\"", "\"3*s9\"")))
        .getMessage().contains("undeclared symbol s9"));
    assertTrue(assertThrows(ProgramFormatException.class,
        () -> read(PROGRAM.replace("\"ReinterpretLine\"", "\"TeleportLine\"")))
        .getMessage().contains("unknown line kind 'TeleportLine'"));
    assertTrue(assertThrows(ProgramFormatException.class,
        () -> read(PROGRAM.replace("\"dtype\": \"float32\", \"shape\": [3, 4]",
            "\"dtype\": \"float33\", \"shape\": [3, 4]")))
        .getMessage().contains("unknown dtype 'float33'"));
  }
}
