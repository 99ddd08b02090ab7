package io.planline.server;

import io.planline.backend.HostTensor;
import io.planline.model.ModelInfo;
import io.planline.model.TensorInfo;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Checks a framed request against a model's signature and turns its inputs into host tensors:
 * names, datatypes, shapes (with -1 matching any size) and element counts, each failure a 400
 * that says which input and what the model expects.
 */
public final class InferBinder {

  /** Elements one request may carry (a guard against shapes whose product overflows). */
  private static final long MAX_ELEMENTS = Integer.MAX_VALUE / 8;

  private InferBinder() {}

  /** The inputs of {@code request} by name, as the model takes them. */
  public static Map<String, HostTensor> inputs(ModelInfo model, InferRequest request) {
    Map<String, TensorInfo> declared = new LinkedHashMap<>();
    model.inputs().forEach(t -> declared.put(t.name(), t));
    Map<String, HostTensor> bound = new LinkedHashMap<>();
    for (InferRequest.Input in : request.inputs()) {
      TensorInfo want = declared.get(in.name());
      if (want == null) {
        throw ApiException.badRequest("model '" + model.name() + "' has no input '" + in.name()
            + "'; its inputs are " + describe(model.inputs()));
      }
      bound.put(in.name(), bind(model, want, in));
    }
    for (TensorInfo t : model.inputs()) {
      if (!bound.containsKey(t.name())) {
        throw ApiException.badRequest("missing input '" + t.name() + "': model '" + model.name()
            + "' takes " + describe(List.of(t)));
      }
    }
    return bound;
  }

  /** Checks that every requested output exists. */
  public static void checkOutputs(ModelInfo model, InferRequest request) {
    for (InferRequest.Output o : request.outputs()) {
      if (model.outputs().stream().noneMatch(t -> t.name().equals(o.name()))) {
        throw ApiException.badRequest("model '" + model.name() + "' has no output '" + o.name()
            + "'; its outputs are " + describe(model.outputs()));
      }
    }
  }

  /**
   * Checks {@code shape} against a declared shape, as infer and the plan endpoints both must.
   *
   * @throws ApiException (400) naming the input, the shape given and the shape expected
   */
  public static void checkShape(ModelInfo model, TensorInfo want, long[] shape) {
    List<Long> dims = want.shape();
    String expected = "input '" + want.name() + "' of model '" + model.name() + "' has shape "
        + dims + " (-1: any size)";
    if (shape.length != dims.size()) {
      throw ApiException.badRequest(expected + "; got " + shape.length + " dimensions "
          + Arrays.toString(shape));
    }
    long elements = 1;
    boolean empty = false;
    for (int d = 0; d < shape.length; d++) {
      long fixed = dims.get(d);
      if (fixed >= 0 && shape[d] != fixed) {
        throw ApiException.badRequest(expected + "; got " + Arrays.toString(shape)
            + " (dimension " + d + " must be " + fixed + ")");
      }
      if (shape[d] < 0) {
        throw ApiException.badRequest(expected + "; got negative dimension "
            + Arrays.toString(shape));
      }
      // Saturate instead of overflowing; a zero dimension empties the tensor whatever the rest.
      empty |= shape[d] == 0;
      elements = Math.min(MAX_ELEMENTS + 1, elements * Math.min(shape[d], MAX_ELEMENTS + 1));
    }
    if (!empty && elements > MAX_ELEMENTS) {
      throw ApiException.badRequest("input '" + want.name() + "': shape " + Arrays.toString(shape)
          + " has more than " + MAX_ELEMENTS + " elements");
    }
  }

  private static HostTensor bind(ModelInfo model, TensorInfo want, InferRequest.Input in) {
    Datatype takes = Datatype.of(want.dtype());
    if (in.datatype() != takes) {
      throw ApiException.badRequest("input '" + in.name() + "': model '" + model.name()
          + "' takes " + takes + ", got " + in.datatype());
    }
    checkShape(model, want, in.shape());
    long elements = HostTensor.elements(in.shape());
    ByteBuffer data;
    if (in.binary() != null) {
      // Binary section, gRPC contents, or JSON data decoded while streaming (its count already
      // matches the shape, so only the first two can fail this check).
      long need = elements * takes.itemSize();
      if (in.binary().remaining() != need) {
        throw ApiException.badRequest("input '" + in.name() + "': shape "
            + Arrays.toString(in.shape()) + " of " + takes + " needs " + need
            + " bytes, binary_data_size is " + in.binary().remaining());
      }
      data = in.binary();
    } else {
      TensorCodec.checkLayout(in.name(), in.data(), in.shape());
      data = TensorCodec.fromJson(in.name(), takes, in.data(), elements);
    }
    return new HostTensor(in.name(), want.dtype(), in.shape(), data);
  }

  /** {@code x (FP32 [-1, 64]), ...} for messages. */
  static String describe(List<TensorInfo> tensors) {
    return tensors.stream().map(t -> "'" + t.name() + "' (" + Datatype.of(t.dtype()) + " "
        + t.shape() + ")").collect(Collectors.joining(", "));
  }
}
