package io.planline.server.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import io.planline.model.ModelLoader;
import io.planline.server.grpc.v2.GRPCInferenceServiceGrpc;
import io.planline.server.grpc.v2.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import io.planline.server.grpc.v2.GRPCInferenceServiceGrpc.GRPCInferenceServiceStub;
import io.planline.server.grpc.v2.InferTensorContents;
import io.planline.server.grpc.v2.ModelInferRequest;
import io.planline.server.grpc.v2.ModelInferRequest.InferInputTensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.Assertions;

/**
 * A real grpc-java client (plaintext channel to the server's gRPC port) and a real HTTP client to
 * the same server, for tests that compare the two protocols' answers.
 */
final class GrpcClient implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  private final ManagedChannel channel;
  private final HttpClient http = HttpClient.newHttpClient();
  private final URI base;

  GrpcClient(GrpcEmbeddedServer grpc, EmbeddedServer server) {
    this.channel = ManagedChannelBuilder.forAddress("localhost", grpc.getPort()).usePlaintext()
        .build();
    this.base = URI.create(server.getURL().toString());
  }

  /** The blocking stub. */
  GRPCInferenceServiceBlockingStub blocking() {
    return GRPCInferenceServiceGrpc.newBlockingStub(channel);
  }

  /** The asynchronous stub. */
  GRPCInferenceServiceStub async() {
    return GRPCInferenceServiceGrpc.newStub(channel);
  }

  /** GET {@code path} over HTTP: status and body. */
  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET().build());
  }

  /** POST a JSON text over HTTP. */
  HttpResponse<String> post(String path, String json) {
    return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type",
        "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * A counter's value in the Prometheus scrape ({@code prefix} ends with the labels and a
   * space); 0 before its first count (labels such as {@code model="unknown"} appear then).
   */
  /**
   * The sum of the series whose name and first labels are {@code prefix} (a series name with
   * its opening labels, e.g. {@code m{model="x"}), over the labels after them (versions).
   */
  double counter(String prefix) {
    String open = prefix.strip().replaceFirst("\\}$", "");
    return get("/prometheus").body().lines()
        .filter(l -> l.startsWith(open + "}") || l.startsWith(open + ","))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  /** A built-in model's sample ({@code sample.json}: inputs and PyTorch's outputs). */
  static JsonNode sample(String model) {
    try (InputStream in = ModelLoader.builtIn(model).open("sample.json")) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The sample's inputs as a request: typed contents, or raw little-endian bytes. */
  static ModelInferRequest sampleRequest(String model, boolean raw) {
    ModelInferRequest.Builder r = ModelInferRequest.newBuilder().setModelName(model);
    for (Iterator<Map.Entry<String, JsonNode>> it = sample(model).get("inputs").fields();
        it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      boolean int64 = e.getValue().get("dtype").asText().equals("int64");
      InferInputTensor.Builder in = r.addInputsBuilder().setName(e.getKey())
          .setDatatype(int64 ? "INT64" : "FP32");
      e.getValue().get("shape").forEach(d -> in.addShape(d.asLong()));
      JsonNode data = e.getValue().get("data");
      if (raw) {
        ByteBuffer b = ByteBuffer.allocate(data.size() * (int64 ? 8 : 4))
            .order(ByteOrder.LITTLE_ENDIAN);
        data.forEach(v -> {
          if (int64) {
            b.putLong(v.asLong());
          } else {
            b.putFloat(v.floatValue());
          }
        });
        r.addRawInputContents(ByteString.copyFrom(b.flip()));
      } else {
        InferTensorContents.Builder c = in.getContentsBuilder();
        data.forEach(v -> {
          if (int64) {
            c.addInt64Contents(v.asLong());
          } else {
            c.addFp32Contents(v.floatValue());
          }
        });
      }
    }
    return r.build();
  }

  /** Raw little-endian FP32 bytes as floats. */
  static float[] floats(ByteString raw) {
    ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  /** Runs {@code call} and returns the status it failed with. */
  static StatusRuntimeException failure(Executable call) {
    return Assertions.assertThrows(StatusRuntimeException.class, call);
  }
}
