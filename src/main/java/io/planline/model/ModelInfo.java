package io.planline.model;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a served model declares: identity, signature and the planner that plans it.
 *
 * @param name model name
 * @param version version string
 * @param planner the memory planner strategy used for it
 * @param inputs request inputs
 * @param outputs response outputs
 * @param inductorPools Inductor's own pool sizes for the program, where the exporter recorded
 *     them (the reference {@code /plan} shows beside planline's plan); null otherwise
 */
public record ModelInfo(String name, String version, String planner, List<TensorInfo> inputs,
    List<TensorInfo> outputs, @Nullable InductorPools inductorPools) {

  /** A model without Inductor's reference sizes. */
  public ModelInfo(String name, String version, String planner, List<TensorInfo> inputs,
      List<TensorInfo> outputs) {
    this(name, version, planner, inputs, outputs, null);
  }

  public ModelInfo {
    requireNonNull(name, "name");
    requireNonNull(version, "version");
    requireNonNull(planner, "planner");
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
