package io.planline.server.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micronaut.http.HttpStatus;
import io.planline.config.ServingConfig;
import io.planline.server.ErrorResponses;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a failure into the call's gRPC status, by way of the HTTP status REST answers it with
 * ({@link ErrorResponses#status}), so both protocols classify every failure alike and carry the
 * same message: 400 is INVALID_ARGUMENT, 404 NOT_FOUND, 413 RESOURCE_EXHAUSTED (what grpc-java
 * itself answers for a message over the size limit), 503 UNAVAILABLE, anything else INTERNAL.
 *
 * <p>Refusals (queue full, shutting down, model not ready) are UNAVAILABLE rather than
 * RESOURCE_EXHAUSTED: they pass, and UNAVAILABLE is the code gRPC's retry policies and Triton's
 * clients treat as "try again". The REST answer's {@code Retry-After} travels as the
 * {@code grpc-retry-pushback-ms} trailer, which grpc's own retries honour.
 */
@Singleton
final class GrpcErrors {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

  private static final Metadata.Key<String> PUSHBACK =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  private final long retryAfterMillis;

  GrpcErrors(ServingConfig config) {
    this.retryAfterMillis = config.retryAfterSeconds() * 1000L;
  }

  /** The status to close a call that ended with {@code failure} with. */
  StatusRuntimeException status(Throwable failure) {
    HttpStatus http = ErrorResponses.status(failure);
    Status.Code code = code(http);
    if (code == Status.Code.INTERNAL) {
      LOG.error("gRPC call failed", failure);
    }
    String message = failure.getMessage() == null ? failure.getClass().getSimpleName()
        : failure.getMessage();
    Metadata trailers = new Metadata();
    if (code == Status.Code.UNAVAILABLE) {
      trailers.put(PUSHBACK, Long.toString(retryAfterMillis));
    }
    return Status.fromCode(code).withDescription(message).asRuntimeException(trailers);
  }

  /** The gRPC code of an HTTP status that REST answers with. */
  static Status.Code code(HttpStatus http) {
    return switch (http) {
      case BAD_REQUEST -> Status.Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case REQUEST_ENTITY_TOO_LARGE -> Status.Code.RESOURCE_EXHAUSTED;
      case SERVICE_UNAVAILABLE -> Status.Code.UNAVAILABLE;
      default -> Status.Code.INTERNAL;
    };
  }
}
