package io.planline.exec.batch;

import io.planline.model.Model;
import io.planline.model.TensorInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The input shapes of a model's preferred batch sizes, to plan them at start-up. */
public final class PreferredShapes {

  private static final Logger LOG = LoggerFactory.getLogger(PreferredShapes.class);

  private PreferredShapes() {}

  /**
   * One map of input shapes per preferred batch size of {@code settings}: the model's inputs
   * with the batch dimension set to that size. None where an input has another dynamic
   * dimension (a sequence length): those shapes are only known when batches come.
   *
   * <p>Requires: the model has a batch dimension.
   */
  public static List<Map<String, long[]>> of(Model m, BatchSettings settings) {
    int dim = m.batchDim();
    List<Map<String, long[]>> out = new ArrayList<>();
    for (int size : settings.preferredBatchSizes()) {
      Map<String, long[]> shapes = new LinkedHashMap<>();
      for (TensorInfo in : m.info().inputs()) {
        long[] dims = in.shape().stream().mapToLong(Long::longValue).toArray();
        dims[dim] = size;
        if (Arrays.stream(dims).anyMatch(d -> d < 0)) {
          LOG.info("model {}: preferred batch sizes are planned when they first run (its"
              + " inputs have other dynamic dimensions)", m.name());
          return List.of();
        }
        shapes.put(in.name(), dims);
      }
      out.add(shapes);
    }
    return out;
  }
}
