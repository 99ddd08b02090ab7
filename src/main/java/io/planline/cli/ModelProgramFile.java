package io.planline.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.planline.io.ProgramFormatException;
import io.planline.ir.Graph;
import io.planline.model.InductorPools;
import io.planline.model.ModelProgram;
import io.planline.model.ModelProgramReader;
import io.planline.model.ProgramBinder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A model's {@code program.json} given to {@code plan} (or the model folder holding it): bound
 * at the shapes Inductor's own pools were sized at, so its pools can be shown beside planline's
 * plans; a program without them must have static inputs.
 *
 * @param graph the program bound to concrete sizes
 * @param inductor Inductor's pools at those sizes, or null when the exporter recorded none
 */
record ModelProgramFile(Graph graph, @Nullable InductorPools inductor) {

  /** The model program at {@code path}, or empty when it is some other kind of file. */
  static Optional<ModelProgramFile> read(Path path) throws IOException {
    Path file = Files.isDirectory(path) ? path.resolve("program.json") : path;
    if (!file.toString().endsWith(".json") || !Files.isRegularFile(file)
        || !isModelProgram(file)) {
      return Optional.empty();
    }
    ModelProgram p;
    try (InputStream in = Files.newInputStream(file)) {
      p = ModelProgramReader.read(file.toString(), in);
    }
    Map<String, long[]> shapes = new LinkedHashMap<>();
    InductorPools pools = p.inductorPools();
    for (ModelProgram.TensorSpec in : p.inputs()) {
      if (pools != null && pools.inputs().containsKey(in.name())) {
        shapes.put(in.name(), pools.inputs().get(in.name()).stream().mapToLong(Long::longValue)
            .toArray());
      } else if (in.shape().stream().allMatch(d -> d.symbols().isEmpty())) {
        shapes.put(in.name(), in.shape().stream().mapToLong(d -> d.eval(Map.of())).toArray());
      } else {
        throw new ProgramFormatException(file.toString(), "inputs",
            "input " + in.name() + " has a dynamic shape " + in.shape() + " and the program "
                + "records no shape to plan it at (plan it through the server's /plan)");
      }
    }
    Graph g = ProgramBinder.bind(p, ProgramBinder.symbolsFor(p, shapes));
    return Optional.of(new ModelProgramFile(g, pools));
  }

  /** A model program is an object whose "format" is planline-program (a line dump is a list). */
  private static boolean isModelProgram(Path file) throws IOException {
    try (JsonParser parser = new JsonFactory().createParser(file.toFile())) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        parser.nextToken();
        if (name.equals("format")) {
          return "planline-program".equals(parser.getValueAsString());
        }
        parser.skipChildren();
      }
      return false;
    }
  }
}
