package io.planline.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.planline.io.LineDumpReader;
import io.planline.ir.Program;
import io.planline.testing.Shared;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The liveness driver and lower bound reproduce the planned lower bound of every shared trace. */
final class LowerBoundGoldenTest {

  static Stream<Path> reuseTraces() {
    return Shared.reuseTraceDirs().stream();
  }

  @ParameterizedTest
  @MethodSource("reuseTraces")
  void plannedLowerBound_sharedTrace_matchesExpected(Path dir) throws IOException {
    Program program = LineDumpReader.read(dir.resolve("lines.json"));
    JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
    assertEquals(expected.size(), program.graphs().size(), "graphs in " + dir);
    for (JsonNode e : expected) {
      int g = e.get("graph_index").asInt();
      long bound = LowerBound.of(Liveness.of(program.graphs().get(g)), 1);
      assertEquals(e.get("planned_lower_bound_bytes").asLong(), bound, dir + " graph " + g);
    }
  }
}
