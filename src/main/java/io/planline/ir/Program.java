package io.planline.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Everything read from one file: one or more graphs (a training step compiles a forward and a
 * backward graph).
 *
 * @param source the file it came from
 * @param graphs its graphs, in file order
 */
public record Program(String source, List<Graph> graphs) {
  public Program {
    requireNonNull(source, "source");
    graphs = List.copyOf(graphs);
  }
}
