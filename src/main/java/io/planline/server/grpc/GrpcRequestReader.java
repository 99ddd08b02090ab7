package io.planline.server.grpc;

import com.google.protobuf.ByteString;
import io.planline.server.ApiException;
import io.planline.server.Datatype;
import io.planline.server.InferRequest;
import io.planline.server.grpc.v2.InferParameter;
import io.planline.server.grpc.v2.ModelInferRequest;
import io.planline.server.grpc.v2.ModelInferRequest.InferInputTensor;
import io.planline.server.grpc.v2.ModelInferRequest.InferRequestedOutputTensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@code ModelInferRequest} into the protocol-neutral {@link InferRequest} that the REST
 * reader also produces, so that binding, admission and their messages are shared. Each input's
 * elements come either as typed {@code contents} or, for every input at once, as one
 * {@code raw_input_contents} entry per input in input order; both become little-endian bytes.
 *
 * <p>Checks only what the message itself must satisfy (names, datatypes, shapes, element and
 * byte counts); the model's signature is checked by {@code InferBinder}. Every failure is an
 * {@link ApiException} (400, INVALID_ARGUMENT) naming the input and the member at fault.
 */
final class GrpcRequestReader {

  /** Request parameter that picks raw ({@code true}) or typed ({@code false}) outputs. */
  static final String RAW_OUTPUTS = "binary_data_output";

  private GrpcRequestReader() {}

  /** The request as the binder takes it. */
  static InferRequest read(ModelInferRequest request) {
    if (request.getInputsCount() == 0) {
      throw ApiException.badRequest("'inputs' must be a non-empty list of tensors");
    }
    boolean raw = request.getRawInputContentsCount() > 0;
    if (raw && request.getRawInputContentsCount() != request.getInputsCount()) {
      throw ApiException.badRequest("the request has " + request.getInputsCount()
          + " inputs but " + request.getRawInputContentsCount() + " raw_input_contents entries"
          + " (one per input, in the order of 'inputs')");
    }
    List<InferRequest.Input> inputs = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < request.getInputsCount(); i++) {
      InferInputTensor t = request.getInputs(i);
      if (t.getName().isEmpty()) {
        throw ApiException.badRequest("inputs[" + i + "]: 'name' must be a non-empty string");
      }
      String where = "input '" + t.getName() + "'";
      if (!names.add(t.getName())) {
        throw ApiException.badRequest(where + " is given twice");
      }
      Datatype type = Datatype.require(where, t.getDatatype());
      long[] shape = shape(t, where);
      ByteBuffer data = raw ? rawData(where, i, t, type, shape, request.getRawInputContents(i))
          : typedData(where, t, type, shape);
      inputs.add(new InferRequest.Input(t.getName(), type, shape, null, data));
    }
    // Raw answers by default when the inputs came raw, as Triton's and KServe's clients send
    // and read them; typed answers for typed requests (readable in grpcurl's JSON). The
    // parameter overrides either way.
    boolean rawOutputs = flag(request.getParametersMap(), RAW_OUTPUTS, "parameters", raw);
    return new InferRequest(request.getId().isEmpty() ? null : request.getId(), inputs,
        outputs(request, rawOutputs), rawOutputs);
  }

  private static long[] shape(InferInputTensor t, String where) {
    long[] shape = t.getShapeList().stream().mapToLong(Long::longValue).toArray();
    for (long d : shape) {
      if (d < 0) {
        throw ApiException.badRequest(where + ": shape " + Arrays.toString(shape)
            + " must hold non-negative integers");
      }
    }
    return shape;
  }

  /** Elements of {@code shape}, refused where the product overflows. */
  private static long elements(String where, long[] shape) {
    long n = 1;
    try {
      for (long d : shape) {
        n = Math.multiplyExact(n, d);
      }
    } catch (ArithmeticException e) {
      throw ApiException.badRequest(where + ": shape " + Arrays.toString(shape)
          + " holds more elements than a request can carry");
    }
    return n;
  }

  private static ByteBuffer rawData(String where, int index, InferInputTensor t, Datatype type,
      long[] shape, ByteString bytes) {
    if (t.hasContents()) {
      throw ApiException.badRequest(where + " has typed 'contents' and the request also has"
          + " raw_input_contents: send every input raw or every input typed");
    }
    if (type.itemSize() > 0) {
      long elements = elements(where, shape);
      if (elements > Long.MAX_VALUE / type.itemSize()
          || elements * type.itemSize() != bytes.size()) {
        throw ApiException.badRequest(where + ": shape " + Arrays.toString(shape) + " of "
            + type + " needs " + (elements > Long.MAX_VALUE / type.itemSize() ? "more than "
                + Long.MAX_VALUE : elements * type.itemSize()) + " bytes, raw_input_contents["
            + index + "] has " + bytes.size());
      }
    }
    // A copy: the runtime keeps input tensors past this call, and the message's bytes are
    // read-only and may share the transport's buffers.
    return ByteBuffer.wrap(bytes.toByteArray());
  }

  private static ByteBuffer typedData(String where, InferInputTensor t, Datatype type,
      long[] shape) {
    if (!t.hasContents()) {
      throw ApiException.badRequest(where + " has no 'contents' and the request has no"
          + " raw_input_contents");
    }
    return TypedContents.decode(where, type, Arrays.toString(shape), t.getContents(),
        elements(where, shape));
  }

  private static List<InferRequest.Output> outputs(ModelInferRequest request,
      boolean rawOutputs) {
    List<InferRequest.Output> outputs = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < request.getOutputsCount(); i++) {
      InferRequestedOutputTensor o = request.getOutputs(i);
      if (o.getName().isEmpty()) {
        throw ApiException.badRequest("outputs[" + i + "]: 'name' must be a non-empty string");
      }
      if (!names.add(o.getName())) {
        throw ApiException.badRequest("output '" + o.getName() + "' is asked for twice");
      }
      if (o.containsParameters("classification")) {
        throw ApiException.badRequest("output '" + o.getName() + "': the classification"
            + " extension is not supported");
      }
      // One form for the whole answer: the protocol forbids mixing raw and typed outputs.
      outputs.add(new InferRequest.Output(o.getName(), rawOutputs));
    }
    return outputs;
  }

  private static boolean flag(Map<String, InferParameter> parameters, String name, String where,
      boolean absent) {
    InferParameter p = parameters.get(name);
    if (p == null) {
      return absent;
    }
    if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.BOOL_PARAM) {
      throw ApiException.badRequest(where + ": '" + name + "' must be a bool_param, got "
          + p.getParameterChoiceCase().name().toLowerCase(java.util.Locale.ROOT));
    }
    return p.getBoolParam();
  }
}
