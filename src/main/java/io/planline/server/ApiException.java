package io.planline.server;

import static java.util.Objects.requireNonNull;

import io.micronaut.http.HttpStatus;

/**
 * An expected request failure found by the HTTP layer itself, with the status it answers with;
 * {@link ErrorResponses} turns it into {@code {"error": message}}.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final HttpStatus status;

  /** A failure answered with {@code status}. */
  public ApiException(HttpStatus status, String message) {
    super(message);
    this.status = requireNonNull(status, "status");
  }

  /** 400 with {@code message}. */
  public static ApiException badRequest(String message) {
    return new ApiException(HttpStatus.BAD_REQUEST, message);
  }

  /** 404 with {@code message}. */
  public static ApiException notFound(String message) {
    return new ApiException(HttpStatus.NOT_FOUND, message);
  }

  /** The status to answer with. */
  public HttpStatus status() {
    return status;
  }
}
