package io.planline.server.grpc;

import com.google.protobuf.ByteString;
import io.planline.backend.HostTensor;
import io.planline.model.ModelInfo;
import io.planline.model.TensorInfo;
import io.planline.server.Datatype;
import io.planline.server.InferCalls;
import io.planline.server.InferRequest;
import io.planline.server.InferResponseWriter;
import io.planline.server.grpc.v2.ModelInferResponse;
import io.planline.server.grpc.v2.ModelInferResponse.InferOutputTensor;
import java.util.List;

/**
 * Writes a {@code ModelInferResponse}: the outputs the request asked for (every output, in
 * signature order, when it named none), their elements either all in
 * {@code raw_output_contents} (one entry per output, little-endian, in output order) or all as
 * typed {@code contents}: the protocol forbids mixing the two in one answer.
 */
final class GrpcResponseWriter {

  /** Bytes of an answer besides its elements, per output and in all (names, shapes, framing). */
  private static final int OVERHEAD = 256;

  /**
   * The answer's size before anything runs, checked against {@code planline.max-response-bytes}
   * exactly as over REST: exact for raw outputs, the widest encoding for typed ones.
   */
  static final InferCalls.ResponseBound BOUND = GrpcResponseWriter::maxBytes;

  private GrpcResponseWriter() {}

  /**
   * The answer carrying {@code answer}'s outputs, which are released once copied into it (lent
   * ones go back to the backend).
   */
  static ModelInferResponse write(InferCalls.Answer answer) {
    try {
      return build(answer);
    } finally {
      HostTensor.releaseAll(answer.outputs());
    }
  }

  private static ModelInferResponse build(InferCalls.Answer answer) {
    InferRequest request = answer.request();
    List<HostTensor> tensors = InferResponseWriter.wanted(answer.model(), request).stream()
        .map(o -> InferResponseWriter.find(answer.outputs(), o.name())).toList();
    // FP16 and BF16 have no typed member, and one answer cannot mix forms: any such output
    // makes the whole answer raw.
    boolean raw = request.binaryOutputs()
        || tensors.stream().anyMatch(t -> !TypedContents.typed(t.dtype()));
    ModelInferResponse.Builder r = ModelInferResponse.newBuilder()
        .setModelName(answer.model().name())
        .setModelVersion(answer.model().version());
    if (request.id() != null) {
      r.setId(request.id());
    }
    for (HostTensor t : tensors) {
      InferOutputTensor.Builder o = r.addOutputsBuilder()
          .setName(t.name())
          .setDatatype(Datatype.of(t.dtype()).name());
      for (long d : t.shape()) {
        o.addShape(d);
      }
      if (raw) {
        r.addRawOutputContents(ByteString.copyFrom(t.data().duplicate()));
      } else {
        o.setContents(TypedContents.encode(t));
      }
    }
    return r.build();
  }

  private static long maxBytes(ModelInfo model, InferRequest request, List<TensorInfo> outputs) {
    long total = OVERHEAD + (request.id() == null ? 0 : request.id().length());
    for (InferRequest.Output want : InferResponseWriter.wanted(model, request)) {
      TensorInfo t = outputs.stream().filter(o -> o.name().equals(want.name())).findFirst()
          .orElseThrow(() -> new IllegalStateException("no output '" + want.name() + "'"));
      long elements = t.shape().stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact);
      long bytes = want.binary() || !TypedContents.typed(t.dtype())
          ? Math.multiplyExact(elements, t.dtype().itemSize())
          : TypedContents.maxBytes(t.dtype(), elements);
      total = Math.addExact(total, Math.addExact(OVERHEAD, bytes));
    }
    return total;
  }
}
