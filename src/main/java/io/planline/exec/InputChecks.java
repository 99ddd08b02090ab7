package io.planline.exec;

import io.planline.backend.HostTensor;
import io.planline.ir.DType;
import io.planline.model.Model;
import io.planline.model.ModelProgram;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Checks a request's inputs against a model's signature before anything is planned or run. */
final class InputChecks {

  private InputChecks() {}

  /**
   * Inputs in signature order; names, types and ranks must match exactly, and index inputs must
   * stay inside the table they index (a kernel would otherwise read outside it).
   *
   * @throws InferenceException.BadInput naming the input and what the model expects
   */
  static List<HostTensor> ordered(Model m, Map<String, HostTensor> inputs) {
    List<HostTensor> ordered = new ArrayList<>();
    List<String> expected = m.program().inputs().stream().map(ModelProgram.TensorSpec::name)
        .toList();
    for (String given : inputs.keySet()) {
      if (!expected.contains(given)) {
        throw new InferenceException.BadInput("unexpected input '" + given + "'; model '"
            + m.name() + "' takes " + expected);
      }
    }
    for (ModelProgram.TensorSpec spec : m.program().inputs()) {
      HostTensor t = inputs.get(spec.name());
      if (t == null) {
        throw new InferenceException.BadInput("missing input '" + spec.name() + "' ("
            + spec.dtype() + " " + spec.shape() + ")");
      }
      if (t.dtype() != spec.dtype()) {
        throw new InferenceException.BadInput("input '" + spec.name() + "' must be "
            + spec.dtype() + ", got " + t.dtype());
      }
      if (t.shape().length != spec.shape().size()) {
        throw new InferenceException.BadInput("input '" + spec.name() + "' must have shape "
            + spec.shape() + ", got " + Arrays.toString(t.shape()));
      }
      Long rows = m.indexBounds().get(spec.name());
      if (rows != null && t.dtype() == DType.INT64) {
        checkIndexes(spec.name(), t, rows);
      }
      ordered.add(t);
    }
    return ordered;
  }

  private static void checkIndexes(String name, HostTensor t, long rows) {
    var values = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
    for (int i = 0; i < values.limit(); i++) {
      long v = values.get(i);
      if (v < 0 || v >= rows) {
        throw new InferenceException.BadInput("input '" + name + "': value " + v
            + " at flat index " + i + " is outside [0, " + rows + ")");
      }
    }
  }
}
