package io.planline.ir;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One compiled graph: its wrapper lines as the planner receives them, plus what the lines alone do
 * not say (which buffers are inputs, outputs, or removed).
 *
 * @param source where it was read from, for messages ({@code path#index})
 * @param name the graph's name, or empty
 * @param inputs graph inputs (owned by the caller; freeing them only drops a reference)
 * @param outputs names of graph outputs: never freed, never reused
 * @param removedBuffers buffers the compiler removed; their memory lines plan to {@code NullLine}
 * @param lines the wrapper lines, in program order
 * @param pools pools the source itself allocated (name to bytes), when it was already planned
 */
public record Graph(
    String source,
    String name,
    List<Buffer> inputs,
    List<String> outputs,
    Set<String> removedBuffers,
    List<WrapperLine> lines,
    Map<String, Long> pools) {

  public Graph {
    requireNonNull(source, "source");
    requireNonNull(name, "name");
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    removedBuffers = Set.copyOf(removedBuffers);
    lines = List.copyOf(lines);
    pools = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pools));
  }

  /** A graph with only lines and outputs, as tests and CSV instances build them. */
  public static Graph of(String source, List<WrapperLine> lines, List<String> outputs) {
    return new Graph(source, "", List.of(), outputs, Set.of(), lines, Map.of());
  }

  /** The same graph with other lines (what a planner's rewrite returns). */
  public Graph withLines(List<WrapperLine> newLines) {
    return new Graph(source, name, inputs, outputs, removedBuffers, newLines, pools);
  }
}
