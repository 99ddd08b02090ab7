package io.planline.server;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.planline.config.ServingConfig;
import io.planline.exec.InferenceException;
import io.planline.metrics.Outcome;
import jakarta.inject.Singleton;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that maps failures to the protocol's answers: {@code {"error": "..."}} with 400
 * for a bad request, 404 for an unknown model or version, 413 for a body over the limit, 503 with
 * {@code Retry-After} when overloaded or not ready, 500 when the program or a planner failed.
 */
@Singleton
public final class ErrorResponses {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);

  private final ServingConfig config;

  ErrorResponses(ServingConfig config) {
    this.config = config;
  }

  /** The answer to {@code failure}. */
  public MutableHttpResponse<Map<String, String>> respond(Throwable failure) {
    HttpStatus status = status(failure);
    String message = failure.getMessage() == null ? failure.getClass().getSimpleName()
        : failure.getMessage();
    if (status == HttpStatus.INTERNAL_SERVER_ERROR) {
      LOG.error("request failed", failure);
    }
    if (failure instanceof ContentLengthExceededException) {
      message = "the request body is over the limit of " + config.maxRequestBytes() + " bytes"
          + " (planline.max-request-bytes)";
    }
    return error(status, message);
  }

  /** {@code {"error": message}} with {@code status}, and {@code Retry-After} on a 503. */
  public MutableHttpResponse<Map<String, String>> error(HttpStatus status, String message) {
    MutableHttpResponse<Map<String, String>> r = HttpResponse.<Map<String, String>>status(status)
        .body(Map.of("error", message)).contentType(MediaType.APPLICATION_JSON_TYPE);
    if (status == HttpStatus.SERVICE_UNAVAILABLE) {
      r.header("Retry-After", Integer.toString(config.retryAfterSeconds()));
    }
    return r;
  }

  /** The status {@code failure} is answered with. */
  public static HttpStatus status(Throwable failure) {
    if (failure instanceof ApiException api) {
      return api.status();
    }
    if (failure instanceof InferenceException ie) {
      return inferenceStatus(ie);
    }
    if (failure instanceof ContentLengthExceededException) {
      return HttpStatus.REQUEST_ENTITY_TOO_LARGE;
    }
    return HttpStatus.INTERNAL_SERVER_ERROR;
  }

  private static HttpStatus inferenceStatus(InferenceException e) {
    if (e instanceof InferenceException.ModelNotFound) {
      return HttpStatus.NOT_FOUND;
    }
    if (e instanceof InferenceException.BadInput) {
      return HttpStatus.BAD_REQUEST;
    }
    if (e instanceof InferenceException.Overloaded) {
      return HttpStatus.SERVICE_UNAVAILABLE;
    }
    return HttpStatus.INTERNAL_SERVER_ERROR;
  }

  /** The metrics outcome of a request that ended with {@code failure}. */
  public static Outcome outcome(Throwable failure) {
    return outcome(status(failure));
  }

  /** The metrics outcome of a request answered with {@code status}. */
  public static Outcome outcome(HttpStatus status) {
    return switch (status) {
      case OK -> Outcome.SUCCESS;
      case BAD_REQUEST -> Outcome.BAD_REQUEST;
      case NOT_FOUND -> Outcome.NOT_FOUND;
      case REQUEST_ENTITY_TOO_LARGE -> Outcome.TOO_LARGE;
      case SERVICE_UNAVAILABLE -> Outcome.REFUSED;
      default -> Outcome.FAILED;
    };
  }
}
