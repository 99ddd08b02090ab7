package io.planline.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What a served model declares: identity, signature and the planner that plans it.
 *
 * @param name model name
 * @param version version string
 * @param planner the memory planner strategy used for it
 * @param inputs request inputs
 * @param outputs response outputs
 */
public record ModelInfo(String name, String version, String planner, List<TensorInfo> inputs,
    List<TensorInfo> outputs) {
  public ModelInfo {
    requireNonNull(name, "name");
    requireNonNull(version, "version");
    requireNonNull(planner, "planner");
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
