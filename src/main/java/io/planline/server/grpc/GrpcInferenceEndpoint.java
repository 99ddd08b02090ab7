package io.planline.server.grpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.planline.metrics.Outcome;
import io.planline.server.InferCalls;
import io.planline.server.ModelConfigController;
import io.planline.server.ModelController;
import io.planline.server.ModelStatsController;
import io.planline.server.RepositoryController;
import io.planline.server.ServerController;
import io.planline.server.grpc.v2.GRPCInferenceServiceGrpc;
import io.planline.server.grpc.v2.ModelConfig;
import io.planline.server.grpc.v2.ModelConfigRequest;
import io.planline.server.grpc.v2.ModelConfigResponse;
import io.planline.server.grpc.v2.ModelInferRequest;
import io.planline.server.grpc.v2.ModelInferResponse;
import io.planline.server.grpc.v2.ModelMetadataRequest;
import io.planline.server.grpc.v2.ModelMetadataResponse;
import io.planline.server.grpc.v2.ModelReadyRequest;
import io.planline.server.grpc.v2.ModelReadyResponse;
import io.planline.server.grpc.v2.ModelStatisticsRequest;
import io.planline.server.grpc.v2.ModelStatisticsResponse;
import io.planline.server.grpc.v2.RepositoryIndexRequest;
import io.planline.server.grpc.v2.ModelRepositoryParameter;
import io.planline.server.grpc.v2.RepositoryIndexResponse;
import io.planline.server.grpc.v2.RepositoryModelLoadRequest;
import io.planline.server.grpc.v2.RepositoryModelLoadResponse;
import io.planline.server.grpc.v2.RepositoryModelUnloadRequest;
import io.planline.server.grpc.v2.RepositoryModelUnloadResponse;
import io.planline.server.grpc.v2.ServerLiveRequest;
import io.planline.server.grpc.v2.ServerLiveResponse;
import io.planline.server.grpc.v2.ServerMetadataRequest;
import io.planline.server.grpc.v2.ServerMetadataResponse;
import io.planline.server.grpc.v2.ServerReadyRequest;
import io.planline.server.grpc.v2.ServerReadyResponse;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

/**
 * {@code inference.GRPCInferenceService}, served by Micronaut's gRPC server on
 * {@code planline.grpc-port}. Every call is answered by the code that answers its REST twin:
 * health, metadata, repository and statistics by the REST controllers themselves (their JSON
 * read into the protobuf messages, whose field names Triton's JSON shares), inference by
 * {@link InferCalls}, so lookup, checks, messages, admission and metrics are one.
 */
@Singleton
final class GrpcInferenceEndpoint extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

  private static final ObjectMapper JSON = new ObjectMapper();
  // Fields REST may add later (statistics members this proto lacks) are skipped, not refused.
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private final ServerController server;
  private final ModelController models;
  private final RepositoryController repository;
  private final ModelStatsController stats;
  private final ModelConfigController configs;
  private final InferCalls calls;
  private final GrpcErrors errors;

  GrpcInferenceEndpoint(ServerController server, ModelController models,
      RepositoryController repository, ModelStatsController stats,
      ModelConfigController configs, InferCalls calls, GrpcErrors errors) {
    this.configs = configs;
    this.server = server;
    this.models = models;
    this.repository = repository;
    this.stats = stats;
    this.calls = calls;
    this.errors = errors;
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    answer(out, () -> ServerLiveResponse.newBuilder()
        .setLive(server.live().status() == HttpStatus.OK).build());
  }

  /** Not ready is an answer ({@code ready: false}), as in Triton, not a failed call. */
  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    answer(out, () -> ServerReadyResponse.newBuilder()
        .setReady(server.ready().status() == HttpStatus.OK).build());
  }

  /** An unknown model or version is NOT_FOUND, as it is 404 over REST. */
  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    answer(out, () -> {
      String version = version(request.getVersion());
      HttpResponse<?> r = version == null ? models.ready(request.getName())
          : models.ready(request.getName(), version);
      return ModelReadyResponse.newBuilder().setReady(r.status() == HttpStatus.OK).build();
    });
  }

  @Override
  public void serverMetadata(ServerMetadataRequest request,
      StreamObserver<ServerMetadataResponse> out) {
    answer(out, () -> fromJson(server.metadata(), ServerMetadataResponse.newBuilder()));
  }

  @Override
  public void modelMetadata(ModelMetadataRequest request,
      StreamObserver<ModelMetadataResponse> out) {
    answer(out, () -> {
      String version = version(request.getVersion());
      return fromJson(version == null ? models.metadata(request.getName())
          : models.metadata(request.getName(), version), ModelMetadataResponse.newBuilder());
    });
  }

  /** Every model with no name, every version of one with no version, else one version. */
  @Override
  public void modelStatistics(ModelStatisticsRequest request,
      StreamObserver<ModelStatisticsResponse> out) {
    answer(out, () -> {
      String version = version(request.getVersion());
      HttpResponse<byte[]> r = request.getName().isEmpty() ? stats.all()
          : version == null ? stats.model(request.getName())
          : stats.version(request.getName(), version);
      return fromJson(r.body(), ModelStatisticsResponse.newBuilder());
    });
  }

  @Override
  public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> out) {
    answer(out, () -> {
      String version = version(request.getVersion());
      HttpResponse<byte[]> r = version == null ? configs.config(request.getName())
          : configs.config(request.getName(), version);
      return ModelConfigResponse.newBuilder()
          .setConfig((ModelConfig) fromJson(r.body(), ModelConfig.newBuilder())).build();
    });
  }

  @Override
  public void repositoryIndex(RepositoryIndexRequest request,
      StreamObserver<RepositoryIndexResponse> out) {
    answer(out, () -> fromJson(Map.of("models", repository.entries(request.getReady())),
        RepositoryIndexResponse.newBuilder()));
  }

  /**
   * Runs the request through {@link InferCalls}. A call the client cancels (or whose deadline
   * passes) cancels the request's Mono, so the runtime stops it, frees its memory and counts it
   * as {@code cancelled}, as a REST client that disconnects does.
   */
  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    ServerCallStreamObserver<ModelInferResponse> call =
        (ServerCallStreamObserver<ModelInferResponse>) out;
    InferCalls.Tally tally = calls.start(request.getModelName(),
        version(request.getModelVersion()));
    // Set before subscribing: the handler may only be installed while this method runs, and a
    // cancellation that arrives before the subscription exists must still reach it.
    Disposable.Swap running = Disposables.swap();
    call.setOnCancelHandler(() -> {
      tally.finish(Outcome.CANCELLED);
      running.dispose();
    });
    running.update(calls.run(tally, request.getModelName(), version(request.getModelVersion()),
            info -> GrpcRequestReader.read(request), GrpcResponseWriter.BOUND)
        .map(GrpcResponseWriter::write)
        .subscribe(response -> {
          if (!call.isCancelled()) {
            out.onNext(response);
            out.onCompleted();
            tally.finish(Outcome.SUCCESS);
          }
        }, failure -> {
          tally.fail(failure);
          if (!call.isCancelled()) {
            out.onError(errors.status(failure));
          }
        }));
  }

  @Override
  public void repositoryModelLoad(RepositoryModelLoadRequest request,
      StreamObserver<RepositoryModelLoadResponse> out) {
    later(out, () -> repository.load(request.getModelName(),
        restParameters(request.getParametersMap())),
        RepositoryModelLoadResponse.getDefaultInstance());
  }

  @Override
  public void repositoryModelUnload(RepositoryModelUnloadRequest request,
      StreamObserver<RepositoryModelUnloadResponse> out) {
    later(out, () -> repository.unload(request.getModelName(),
        restParameters(request.getParametersMap())),
        RepositoryModelUnloadResponse.getDefaultInstance());
  }

  /**
   * Answers a unary call with {@code done} once {@code work} completes (a load waits for the
   * model to be ready), or fails it with the status its failure maps to.
   */
  private <T> void later(StreamObserver<T> out, Supplier<Mono<?>> work, T done) {
    Mono<?> running;
    try {
      running = work.get();
    } catch (RuntimeException e) {
      out.onError(errors.status(e));
      return;
    }
    running.subscribe(r -> { }, e -> out.onError(errors.status(e)), () -> {
      out.onNext(done);
      out.onCompleted();
    });
  }

  /**
   * The options as the REST call's body ({@code {"parameters": {...}}}), so that both protocols
   * accept and refuse the same ones with the same messages.
   */
  private static byte[] restParameters(Map<String, ModelRepositoryParameter> parameters) {
    Map<String, Object> values = new java.util.LinkedHashMap<>();
    parameters.forEach((name, p) -> values.put(name, switch (p.getParameterChoiceCase()) {
      case BOOL_PARAM -> p.getBoolParam();
      case INT64_PARAM -> p.getInt64Param();
      case STRING_PARAM -> p.getStringParam();
      case BYTES_PARAM -> java.util.Base64.getEncoder().encodeToString(
          p.getBytesParam().toByteArray());
      case PARAMETERCHOICE_NOT_SET -> "";
    }));
    try {
      return JSON.writeValueAsBytes(Map.of("parameters", values));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("load parameters do not serialize", e);
    }
  }

  /** Answers a unary call, or fails it with the status its failure maps to. */
  private <T> void answer(StreamObserver<T> out, Supplier<T> body) {
    T response;
    try {
      response = body.get();
    } catch (RuntimeException e) {
      out.onError(errors.status(e));
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  /** The protocol's empty version means the default one, as a REST path without one does. */
  private static @Nullable String version(String version) {
    return version.isEmpty() ? null : version;
  }

  /** A REST answer (a JSON value, or its bytes) read into the matching protobuf message. */
  @SuppressWarnings("unchecked") // every builder of a message M builds an M
  private static <M extends Message> M fromJson(Object rest, Message.Builder into) {
    try {
      String json = rest instanceof byte[] bytes
          ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
          : JSON.writeValueAsString(rest);
      PARSER.merge(json, into);
      return (M) into.build();
    } catch (JsonProcessingException | InvalidProtocolBufferException e) {
      throw new IllegalStateException("a REST answer does not fit its gRPC message "
          + into.getDescriptorForType().getFullName(), e);
    }
  }
}
