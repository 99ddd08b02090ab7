package io.planline.server;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes the errors Micronaut itself answers (no such route, method not allowed, unsupported
 * media type, missing body) as {@code {"error": "..."}}, like every other planline error,
 * instead of Micronaut's default JSON error document.
 */
@Singleton
@Replaces(ErrorResponseProcessor.class)
final class FrameworkErrors implements ErrorResponseProcessor<Map<String, String>> {

  @Override
  public MutableHttpResponse<Map<String, String>> processResponse(ErrorContext context,
      MutableHttpResponse<?> response) {
    String message;
    if (response.status() == HttpStatus.NOT_FOUND) {
      message = "no endpoint " + context.getRequest().getMethodName() + " "
          + context.getRequest().getPath();
    } else if (context.hasErrors()) {
      message = context.getErrors().stream()
          .map(io.micronaut.http.server.exceptions.response.Error::getMessage)
          .collect(Collectors.joining("; "));
    } else {
      message = context.getRootCause().map(Throwable::getMessage)
          .orElse(response.reason());
    }
    return response.body(Map.of("error", message)).contentType(MediaType.APPLICATION_JSON_TYPE);
  }
}
