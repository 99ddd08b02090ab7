package io.planline.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An infer request as the protocol framed it, before it is checked against a model: what
 * {@link InferRequestReader} produces and {@link InferBinder} binds.
 *
 * @param id the client's request id, echoed in the response, or null
 * @param inputs the inputs, in request order
 * @param outputs the outputs asked for (empty: every output)
 * @param binaryOutputs whether outputs not listed go back as binary data
 */
public record InferRequest(@Nullable String id, List<Input> inputs, List<Output> outputs,
    boolean binaryOutputs) {

  public InferRequest {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /**
   * One input tensor: exactly one of {@code data} (JSON) and {@code binary} is set.
   *
   * @param name input name
   * @param datatype protocol datatype
   * @param shape dimensions
   * @param data the JSON {@code data} list, or null
   * @param binary the input's bytes, or null: its slice of the binary section, its gRPC
   *     contents, or its JSON data decoded while the body was streamed (then already checked
   *     against the request's datatype and shape)
   */
  public record Input(String name, Datatype datatype, long[] shape, @Nullable JsonNode data,
      @Nullable ByteBuffer binary) {
    public Input {
      requireNonNull(name, "name");
      requireNonNull(datatype, "datatype");
      shape = shape.clone();
      if ((data == null) == (binary == null)) {
        throw new IllegalArgumentException("input '" + name + "' needs exactly one of data and"
            + " binary data");
      }
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Input i && name.equals(i.name) && datatype == i.datatype
          && Arrays.equals(shape, i.shape) && java.util.Objects.equals(data, i.data)
          && java.util.Objects.equals(binary, i.binary);
    }

    @Override
    public int hashCode() {
      return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
      return "Input[" + name + ", " + datatype + ", " + Arrays.toString(shape) + "]";
    }
  }

  /**
   * One requested output.
   *
   * @param name output name
   * @param binary whether its data goes back in the binary section
   */
  public record Output(String name, boolean binary) {
    public Output {
      requireNonNull(name, "name");
    }
  }
}
