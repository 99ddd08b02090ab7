package io.planline.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.planline.io.ProgramFormatException;
import io.planline.kernel.Tensor;
import io.planline.model.ModelProgramReader.Fields;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Weights' layouts: {@code program.json}'s {@code weights[]} (with the optional {@code stride} of
 * format version 3) and the tensors made of the stored data.
 *
 * <p>Strided weights exist because Inductor's CPU convolution wants channels-last weights: given
 * contiguous ones, ResNet-50's program copied 17 of them into channels-last buffers on every
 * request (about 5-6 ms of a 41 ms batch-1 run), and oneDNN reordered those copies on every call
 * because they were not weights. The exporter now gives the model channels-last weights, which
 * Inductor reads in place; the file stores their bytes in memory order, and {@link #strided}
 * views them with the program's strides over that same buffer (so oneDNN still sees a weight
 * and reorders it once).
 */
final class WeightLayouts {

  private WeightLayouts() {}

  /** The {@code weights} array; names go into {@code defined}. */
  static List<ModelProgram.WeightSpec> read(Fields f, JsonNode ws, int version,
      Set<String> defined) {
    List<ModelProgram.WeightSpec> weights = new ArrayList<>();
    for (int i = 0; i < ws.size(); i++) {
      Fields at = f.at("weights[" + i + "]");
      JsonNode n = ws.get(i);
      List<Long> shape = new ArrayList<>();
      at.array(n, "shape").forEach(d -> shape.add(d.asLong()));
      String name = at.name(n, defined);
      List<Long> stride = n.has("stride") ? stride(at, n, version, name, shape) : null;
      weights.add(new ModelProgram.WeightSpec(name, at.text(n, "tensor"), at.dtype(n), shape,
          stride));
    }
    return weights;
  }

  private static List<Long> stride(Fields at, JsonNode n, int version, String name,
      List<Long> shape) {
    if (version < 3) {
      throw at.fail("stride", "a weight's stride needs format version 3 (weight " + name + ")");
    }
    List<Long> stride = new ArrayList<>();
    for (JsonNode d : at.array(n, "stride")) {
      if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
        throw at.fail("stride", "weight " + name + ": expected non-negative integers, found "
            + n.get("stride"));
      }
      stride.add(d.asLong());
    }
    if (stride.size() != shape.size()) {
      throw at.fail("stride", "weight " + name + ": stride " + stride + " has rank "
          + stride.size() + " but shape " + shape + " has rank " + shape.size());
    }
    if (!dense(shape, stride)) {
      throw at.fail("stride", "weight " + name + ": stride " + stride + " of shape " + shape
          + " is not a permutation of a dense layout (the file stores every element once, in "
          + "memory order)");
    }
    return stride;
  }

  /**
   * Whether the elements cover 0 .. numel-1 once each: ordered by stride, the dimensions of size
   * above 1 step by 1, then by the span of the ones before (size-1 dimensions take any stride).
   */
  static boolean dense(List<Long> shape, List<Long> stride) {
    Integer[] order = new Integer[shape.size()];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (a, b) -> Long.compare(stride.get(a), stride.get(b)));
    long span = 1;
    for (int d : order) {
      if (shape.get(d) == 0) {
        return true; // no elements
      }
      if (shape.get(d) == 1) {
        continue;
      }
      if (stride.get(d) != span) {
        return false;
      }
      span = Math.multiplyExact(span, shape.get(d));
    }
    return true;
  }

  /**
   * The weight as the program reads it: {@code stored} itself when contiguous (which must then
   * have the weight's dtype and shape), else a view of the same buffer with the program's
   * strides. The stored tensor must then have the weight's dtype, the weight's shape in memory
   * order ({@link #memoryOrder}, size-1 dimensions anywhere) and exactly as many elements as the
   * strided weight reaches.
   */
  static Tensor view(ModelProgram.WeightSpec w, Tensor stored, String weightsFile) {
    if (w.stride() == null) {
      long[] want = w.shape().stream().mapToLong(Long::longValue).toArray();
      if (stored.dtype() != w.dtype() || !Arrays.equals(stored.shape(), want)) {
        throw new ProgramFormatException(weightsFile, "tensor " + w.tensor(), "is "
            + stored.dtype() + " " + Arrays.toString(stored.shape())
            + " but the program declares " + w.dtype() + " " + w.shape());
      }
      return stored;
    }
    long[] shape = w.shape().stream().mapToLong(Long::longValue).toArray();
    long[] stride = w.stride().stream().mapToLong(Long::longValue).toArray();
    long[] memoryOrder = memoryOrder(shape, stride);
    // size-1 dimensions may sit anywhere (their stride is arbitrary, so is their place); the
    // rest must be in memory order, which catches a row-major file under a strided program
    // (e.g. [32, 16, 3, 3] where [32, 3, 3, 16] is due) unless the two orders coincide
    if (stored.dtype() != w.dtype() || !Arrays.equals(withoutOnes(stored.shape()),
        withoutOnes(memoryOrder))) {
      throw new ProgramFormatException(weightsFile, "tensor " + w.tensor(), "is "
          + stored.dtype() + " " + Arrays.toString(stored.shape()) + " but the program declares "
          + w.dtype() + " " + w.shape() + " stride " + w.stride() + ", stored in memory order as "
          + Arrays.toString(memoryOrder));
    }
    long reach = 1;
    for (int d = 0; d < shape.length; d++) {
      reach = shape[d] == 0 ? 0 : reach + (shape[d] - 1) * stride[d];
      if (reach == 0) {
        break;
      }
    }
    if (reach != stored.numel()) {
      throw new ProgramFormatException(weightsFile, "tensor " + w.tensor(), "holds "
          + stored.numel() + " elements but weight " + w.name() + "'s stride " + w.stride()
          + " of shape " + w.shape() + " reaches " + reach);
    }
    return stored.asStrided(shape, stride, 0);
  }

  /** The shape's sizes by decreasing stride (ties by dimension): the stored tensor's shape. */
  static long[] memoryOrder(long[] shape, long[] stride) {
    Integer[] order = new Integer[shape.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (a, b) -> Long.compare(stride[b], stride[a])); // stable: ties by index
    long[] out = new long[shape.length];
    for (int i = 0; i < order.length; i++) {
      out[i] = shape[order[i]];
    }
    return out;
  }

  private static long[] withoutOnes(long[] shape) {
    return Arrays.stream(shape).filter(d -> d != 1).toArray();
  }
}
