package io.planline.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.planline.ir.Graph;
import io.planline.ir.Program;
import io.planline.ir.WrapperLine;
import io.planline.testing.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

final class LineDumpReaderTest {

  static Stream<Path> traces() {
    return Shared.traceDirs().stream().map(d -> d.resolve("lines.json"));
  }

  @ParameterizedTest
  @MethodSource("traces")
  void read_sharedTrace_everyGraphWithEveryBeforeLine(Path file) throws IOException {
    JsonNode raw = new ObjectMapper().readTree(file.toFile());
    Program p = LineDumpReader.read(file);
    assertEquals(raw.size(), p.graphs().size());
    for (int g = 0; g < raw.size(); g++) {
      Graph graph = p.graphs().get(g);
      assertEquals(file + "#" + g, graph.source());
      assertEquals(raw.get(g).get("before").size(), graph.lines().size());
      assertEquals(raw.get(g).get("inputs").size(), graph.inputs().size());
      assertEquals(raw.get(g).get("outputs").size(), graph.outputs().size());
      for (int i = 0; i < graph.lines().size(); i++) {
        String kind = raw.get(g).get("before").get(i).get("kind").asText();
        String cls = graph.lines().get(i).getClass().getSimpleName();
        assertEquals(kind.equals("Text") ? "TextLine" : kind, cls, "line " + i);
      }
    }
  }

  @Test
  void read_allocateLine_carriesEveryBufferField() {
    Graph g = LineDumpReader.read(Shared.trace("mlp-infer-reuse").resolve("lines.json"))
        .graphs().get(0);
    var alloc = assertInstanceOf(WrapperLine.AllocateLine.class, g.lines().get(2));
    assertEquals("buf0", alloc.node().name());
    assertEquals("cuda:0", alloc.node().device().toString());
    assertEquals(65536, alloc.node().bytes());
    assertEquals("16384", alloc.node().storageExpr());
    assertEquals(java.util.List.of(32L, 512L), alloc.node().shape());
    assertEquals(java.util.List.of(512L, 1L), alloc.node().stride());
    assertTrue(alloc.node().aligned());
  }

  /** Writes the mlp trace with one substitution applied, and reads it. */
  private static String failure(Path dir, String from, String to) throws IOException {
    String text = Files.readString(Shared.trace("mlp-infer-reuse").resolve("lines.json"));
    assertTrue(text.contains(from), "fixture text not found: " + from);
    Path f = dir.resolve("bad.json");
    Files.writeString(f, text.replaceFirst(java.util.regex.Pattern.quote(from),
        java.util.regex.Matcher.quoteReplacement(to)));
    var e = assertThrows(ProgramFormatException.class, () -> LineDumpReader.read(f));
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    return e.getMessage();
  }

  @Test
  void read_truncated_saysMalformedWithPosition(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("t.json");
    String text = Files.readString(Shared.trace("mlp-infer-reuse").resolve("lines.json"));
    Files.writeString(f, text.substring(0, text.length() / 2));
    var e = assertThrows(ProgramFormatException.class, () -> LineDumpReader.read(f));
    assertTrue(e.getMessage().contains("malformed JSON") && e.getMessage().contains("line "),
        e.getMessage());
  }

  @Test
  void read_unknownLineKind_namesGraphLineAndField(@TempDir Path dir) throws IOException {
    String m = failure(dir, "\"kind\": \"CommentLine\"", "\"kind\": \"TeleportLine\"");
    assertTrue(m.contains("graph 0, before[3] (TeleportLine), field kind")
        && m.contains("unknown line kind 'TeleportLine'"), m);
  }

  @Test
  void read_negativeSize_namesField(@TempDir Path dir) throws IOException {
    String m = failure(dir, "\"bytes\": 65536", "\"bytes\": -65536");
    assertTrue(m.contains("field bytes") && m.contains("negative size -65536"), m);
  }

  @Test
  void read_sizeOver2To64_refusedNotWrapped(@TempDir Path dir) throws IOException {
    String m = failure(dir, "\"bytes\": 65536", "\"bytes\": 18446744073709617152");
    assertTrue(m.contains("graph 0, before[") && m.contains("field bytes")
        && m.contains("18446744073709617152 does not fit in a signed 64-bit integer"), m);
  }

  @Test
  void read_size2To63Minus1_refusedNamingGraphLineAndField(@TempDir Path dir)
      throws IOException {
    String m = failure(dir, "\"bytes\": 65536", "\"bytes\": 9223372036854775807");
    assertTrue(m.contains("graph 0, before[") && m.contains("field bytes")
        && m.contains("size 9223372036854775807 is over the largest planline plans"), m);
  }

  @Test
  void read_freeOfUnknownBuffer_namesIt(@TempDir Path dir) throws IOException {
    String m = failure(dir, "{\"kind\": \"FreeIfNotReusedLine\", \"node\": {\"name\": \"buf1\"",
        "{\"kind\": \"FreeIfNotReusedLine\", \"node\": {\"name\": \"buf99\"");
    assertTrue(m.contains("buffer 'buf99' is used before anything defines it"), m);
  }

  @Test
  void read_reuseWithDifferentSizes_rejected(@TempDir Path dir) throws IOException {
    String m = failure(dir, "\"reused_as\": {\"name\": \"buf1\", \"device\": \"cuda:0\", "
        + "\"dtype\": \"float32\", \"itemsize\": 4, \"storage_numel\": 16384, \"storage_expr\": "
        + "\"16384\", \"bytes\": 65536", "\"reused_as\": {\"name\": \"buf1\", \"device\": "
        + "\"cuda:0\", \"dtype\": \"float32\", \"itemsize\": 4, \"storage_numel\": 16384, "
        + "\"storage_expr\": \"16384\", \"bytes\": 65540");
    assertTrue(m.contains("sizes differ"), m);
  }

  @Test
  void read_wrongTypes_sayWhatWasExpected(@TempDir Path dir) throws IOException {
    assertTrue(failure(dir, "\"device_idx\": 0", "\"device_idx\": \"zero\"")
        .contains("expected an integer"));
    assertTrue(failure(dir, "\"outputs\": [", "\"outputs\": 7, \"x\": [")
        .contains("field outputs: expected a list"));
    assertTrue(failure(dir, "\"dtype\": \"float32\"", "\"dtype\": \"float99\"")
        .contains("unknown dtype 'float99'"));
  }
}
