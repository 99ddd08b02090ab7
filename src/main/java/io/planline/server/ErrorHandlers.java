package io.planline.server;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.micronaut.http.server.exceptions.ContentLengthExceededHandler;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.planline.exec.InferenceException;
import io.planline.metrics.Outcome;
import io.planline.metrics.PlanlineMetrics;
import io.planline.plan.PlanningException;
import jakarta.inject.Singleton;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Micronaut exception handlers that give every failure outside the infer path (which maps its
 * own) the protocol's {@code {"error": "..."}} body; {@link FrameworkErrors} does the same for the
 * framework's own 404, 405 and 415.
 */
final class ErrorHandlers {

  private static final Pattern INFER_PATH =
      Pattern.compile("^/v2/models/([^/]+)(?:/versions/([^/]+))?/infer$");

  private ErrorHandlers() {}

  /** Failures the server itself found. */
  @Singleton
  @Produces
  @Requires(classes = {ApiException.class, ExceptionHandler.class})
  static final class Api implements ExceptionHandler<ApiException, HttpResponse<?>> {
    private final ErrorResponses errors;

    Api(ErrorResponses errors) {
      this.errors = errors;
    }

    @Override
    public HttpResponse<?> handle(HttpRequest request, ApiException e) {
      return errors.respond(e);
    }
  }

  /** Failures the runtime reported. */
  @Singleton
  @Produces
  @Requires(classes = {InferenceException.class, ExceptionHandler.class})
  static final class Inference implements ExceptionHandler<InferenceException, HttpResponse<?>> {
    private final ErrorResponses errors;

    Inference(ErrorResponses errors) {
      this.errors = errors;
    }

    @Override
    public HttpResponse<?> handle(HttpRequest request, InferenceException e) {
      return errors.respond(e);
    }
  }

  /** A planner that could not plan (a 500 that keeps the planner's message). */
  @Singleton
  @Produces
  @Requires(classes = {PlanningException.class, ExceptionHandler.class})
  static final class Planning implements ExceptionHandler<PlanningException, HttpResponse<?>> {
    private final ErrorResponses errors;

    Planning(ErrorResponses errors) {
      this.errors = errors;
    }

    @Override
    public HttpResponse<?> handle(HttpRequest request, PlanningException e) {
      return errors.respond(e);
    }
  }

  /** A body over the limit; counted as a request of the model when it was an infer call. */
  @Singleton
  @Produces
  @Requires(classes = {ContentLengthExceededException.class, ExceptionHandler.class})
  @Replaces(ContentLengthExceededHandler.class)
  static final class TooLarge
      implements ExceptionHandler<ContentLengthExceededException, HttpResponse<?>> {
    private final ErrorResponses errors;
    private final PlanlineMetrics metrics;
    private final ModelLookup lookup;

    TooLarge(ErrorResponses errors, PlanlineMetrics metrics, ModelLookup lookup) {
      this.errors = errors;
      this.metrics = metrics;
      this.lookup = lookup;
    }

    @Override
    public HttpResponse<?> handle(HttpRequest request, ContentLengthExceededException e) {
      Matcher m = INFER_PATH.matcher(request.getPath());
      if (m.matches()) {
        metrics.requestFinished(lookup.label(m.group(1)),
            lookup.versionLabel(m.group(1), m.group(2)), Outcome.TOO_LARGE, 0, null);
      }
      return errors.respond(e);
    }
  }
}
