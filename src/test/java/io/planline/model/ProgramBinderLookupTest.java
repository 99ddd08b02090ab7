package io.planline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.Buffer;
import io.planline.ir.Graph;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Looking buffers up by name in a bound graph: {@code buffersNamed}, the one pass an executable
 * program makes for its outputs when it is compiled, finds what {@code bufferOf} finds one name
 * at a time, with the shapes bound to the request's symbols.
 */
final class ProgramBinderLookupTest {

  private static Graph tinyGpt(long batch, long seq) throws IOException {
    try (InputStream in = ProgramBinderLookupTest.class.getResourceAsStream(
        "/models/tiny-gpt/inductor/program.json")) {
      ModelProgram program = ModelProgramReader.read("tiny-gpt", in);
      List<String> symbols = program.symbols();
      return ProgramBinder.bind(program, Map.of(symbols.get(0), batch, symbols.get(1), seq));
    }
  }

  @Test
  void buffersNamed_outputsAndInput_sameAsOneByOneWithBoundShapes() throws IOException {
    Graph g = tinyGpt(3, 5);
    String input = g.inputs().get(0).name();
    Set<String> names = new java.util.HashSet<>(g.outputs());
    names.add(input);
    Map<String, Buffer> found = ProgramBinder.buffersNamed(g, names);
    assertEquals(names, found.keySet());
    for (String n : names) {
      assertEquals(ProgramBinder.bufferOf(g, n), found.get(n), n);
    }
    assertEquals(List.of(3L, 5L), found.get(input).shape());
  }

  @Test
  void buffersNamed_unknownName_leftOutAndBufferOfNamesIt() throws IOException {
    Graph g = tinyGpt(1, 4);
    assertTrue(ProgramBinder.buffersNamed(g, Set.of("no_such_buf")).isEmpty());
    var e = assertThrows(IllegalArgumentException.class,
        () -> ProgramBinder.bufferOf(g, "no_such_buf"));
    assertTrue(e.getMessage().contains("'no_such_buf'"), e.getMessage());
  }
}
