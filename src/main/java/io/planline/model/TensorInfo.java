package io.planline.model;

import static java.util.Objects.requireNonNull;

import io.planline.ir.DType;
import java.util.List;

/**
 * A model input or output as metadata shows it.
 *
 * @param name tensor name
 * @param dtype element type
 * @param shape dimensions, -1 for a dynamic one
 */
public record TensorInfo(String name, DType dtype, List<Long> shape) {
  public TensorInfo {
    requireNonNull(name, "name");
    requireNonNull(dtype, "dtype");
    shape = List.copyOf(shape);
  }
}
