package io.planline.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.planline.ir.Buffer;
import io.planline.ir.Graph;
import io.planline.ir.Program;
import io.planline.ir.WrapperLine;
import io.planline.plan.Liveness;
import io.planline.plan.LowerBound;
import io.planline.testing.Shared;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shared {@code wrapper_NN.py} read as output code agrees with the line dump of the same
 * graph ({@code wrapper_01} is graph 0 of the folder's {@code lines.json}, {@code wrapper_02}
 * graph 1): same inputs, same outputs, and the same size for every buffer the module allocates
 * itself. Greedy ({@code -reuse}) wrappers are printed after Inductor's reuse pass, so buffers
 * that took another's storage appear only as reuses there; those are not compared.
 */
final class OutputCodeReaderGoldenTest {

  static Stream<Path> wrappers() {
    return Shared.traceDirs().stream().flatMap(d -> {
      try (Stream<Path> s = Files.list(d)) {
        return s.filter(p -> p.getFileName().toString().matches("wrapper_\\d+\\.py")).sorted()
            .toList().stream();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  private static Graph dumpedGraph(Path wrapper) throws IOException {
    Path dir = wrapper.getParent();
    int index = Integer.parseInt(wrapper.getFileName().toString().replaceAll("\\D", "")) - 1;
    int compiled = new ObjectMapper().readTree(dir.resolve("meta.json").toFile())
        .get("wrappers").asInt();
    assertTrue(index < compiled, wrapper + " beyond meta.json's " + compiled + " wrappers");
    return LineDumpReader.read(dir.resolve("lines.json")).graphs().get(index);
  }

  private static Graph codeGraph(Path wrapper) {
    Program program = OutputCodeReader.read(wrapper);
    assertEquals(1, program.graphs().size(), "call functions in " + wrapper);
    return program.graphs().get(0);
  }

  @ParameterizedTest
  @MethodSource("wrappers")
  void read_sharedWrapper_allocatedSizesMatchLineDump(Path wrapper) throws IOException {
    Graph dump = dumpedGraph(wrapper);
    Graph code = codeGraph(wrapper);
    Map<String, Buffer> allocated = new HashMap<>();
    for (WrapperLine l : dump.lines()) {
      if (l instanceof WrapperLine.AllocateLine a) {
        allocated.put(a.node().name(), a.node());
      }
    }
    int compared = 0;
    for (WrapperLine l : code.lines()) {
      Buffer b = l instanceof WrapperLine.AllocateLine a ? a.node()
          : l instanceof WrapperLine.AllocFromPoolLine p ? p.node() : null;
      if (b == null) {
        continue;
      }
      Buffer expected = allocated.get(b.name());
      assertNotNull(expected, wrapper + ": " + b.name() + " is not allocated in the line dump");
      assertEquals(expected.bytes(), b.bytes(), wrapper + ": bytes of " + b.name());
      assertEquals(expected.dtype(), b.dtype(), wrapper + ": dtype of " + b.name());
      assertEquals(expected.shape(), b.shape(), wrapper + ": shape of " + b.name());
      assertEquals(expected.device(), b.device(), wrapper + ": device of " + b.name());
      compared++;
    }
    assertTrue(compared > 0, wrapper + " allocates nothing");
  }

  @ParameterizedTest
  @MethodSource("wrappers")
  void read_sharedWrapper_inputsAndOutputsMatchLineDump(Path wrapper) throws IOException {
    Graph dump = dumpedGraph(wrapper);
    Graph code = codeGraph(wrapper);
    assertEquals(dump.inputs(), code.inputs(), wrapper + ": inputs");
    // the dump names a returned None 'None_...'; the reader skips it
    List<String> outputs = dump.outputs().stream().filter(n -> !n.startsWith("None")).toList();
    assertEquals(outputs, code.outputs(), wrapper + ": outputs");
  }

  /** Pool wrappers print every planned buffer, so the storages' ends are all the reader's. */
  static Stream<Path> poolWrappers() {
    return wrappers().filter(p -> p.getParent().getFileName().toString().endsWith("-pool"));
  }

  @ParameterizedTest
  @MethodSource("poolWrappers")
  void read_poolWrapper_liveRangesGiveTheDumpsLowerBound(Path wrapper) throws IOException {
    Graph dump = dumpedGraph(wrapper);
    Graph code = codeGraph(wrapper);
    assertEquals(Liveness.of(dump).size(), Liveness.of(code).size(), wrapper + ": storages");
    assertEquals(LowerBound.of(Liveness.of(dump), 1), LowerBound.of(Liveness.of(code), 1),
        wrapper + ": planned lower bound");
  }
}
