package io.planline.plan.greedy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.planline.io.LineDumpReader;
import io.planline.ir.Program;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a trace folder's files: its programs (as planned before or after) and expected.json. */
final class TraceFiles {

  private static final ObjectMapper JSON = new ObjectMapper();

  private TraceFiles() {}

  /** Every graph's {@code before} lines: what a planner receives. */
  static Program before(Path dir) {
    return LineDumpReader.read(dir.resolve("lines.json"));
  }

  /**
   * Every graph's {@code after} lines (what the newer Inductor made of them), read by the same
   * reader: the dump is copied with each graph's {@code before} replaced by its {@code after}.
   */
  static Program after(Path dir) {
    try {
      JsonNode root = JSON.readTree(dir.resolve("lines.json").toFile());
      for (JsonNode g : root) {
        ((ObjectNode) g).set("before", g.get("after"));
      }
      byte[] bytes = JSON.writeValueAsBytes(root);
      return LineDumpReader.read(dir.resolve("lines.json") + " (after)",
          new ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** expected.json: one entry per graph, in graph order. */
  static JsonNode expected(Path dir) {
    try {
      return JSON.readTree(dir.resolve("expected.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An expected entry's {@code reuses}, in file order. */
  static Map<String, String> reuses(JsonNode entry) {
    Map<String, String> m = new LinkedHashMap<>();
    entry.get("reuses").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }
}
