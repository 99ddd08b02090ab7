package io.planline.server;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.planline.exec.InferenceService;
import io.planline.io.PlanJsonWriter;
import io.planline.io.PlanSvgWriter;
import io.planline.ir.Graph;
import io.planline.model.ModelInfo;
import io.planline.model.TensorInfo;
import io.planline.plan.Liveness;
import io.planline.plan.Plan;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The memory plan a model uses for given input shapes, as the {@code plan --json} result object
 * ({@code GET /v2/models/{m}/plan?x=2,64}) or as the memory picture ({@code .../plan.svg}).
 *
 * <p>Planning a new shape may take the planner's whole time budget; the runtime does it on its
 * bounded planning pool, so these handlers only wait for the result, never block a thread.
 */
@Controller("/v2/models")
final class PlanController {

  private final InferenceService service;
  private final ModelLookup lookup;

  PlanController(InferenceService service, ModelLookup lookup) {
    this.service = service;
    this.lookup = lookup;
  }

  /** The plan as JSON, for the default version. */
  @Get(uri = "/{model}/plan", produces = MediaType.APPLICATION_JSON)
  Mono<HttpResponse<String>> plan(String model, HttpRequest<?> request) {
    return json(lookup.resolve(model, null), request);
  }

  /** The plan as JSON, for one version. */
  @Get(uri = "/{model}/versions/{version}/plan", produces = MediaType.APPLICATION_JSON)
  Mono<HttpResponse<String>> plan(String model, String version, HttpRequest<?> request) {
    return json(lookup.resolve(model, version), request);
  }

  /** The plan as SVG, for the default version. */
  @Get(uri = "/{model}/plan.svg", produces = "image/svg+xml")
  Mono<HttpResponse<String>> svg(String model, HttpRequest<?> request) {
    return svgOf(lookup.resolve(model, null), request);
  }

  /** The plan as SVG, for one version. */
  @Get(uri = "/{model}/versions/{version}/plan.svg", produces = "image/svg+xml")
  Mono<HttpResponse<String>> svg(String model, String version, HttpRequest<?> request) {
    return svgOf(lookup.resolve(model, version), request);
  }

  private Mono<HttpResponse<String>> json(ModelInfo info, HttpRequest<?> request) {
    Map<String, long[]> shapes = shapes(info, request);
    long start = System.nanoTime();
    return service.plan(info.name(), info.version(), shapes).map(plan -> {
      double millis = (System.nanoTime() - start) / 1e6;
      // Inductor's own pools for the same lines, where they were sized at these shapes
      Long inductor = info.inductorPools() != null && info.inductorPools().sizedAt(shapes)
          ? info.inductorPools().bytes() : null;
      var result = new PlanJsonWriter.Result(plan, storages(plan), millis, inductor);
      return HttpResponse.ok(PlanJsonWriter.result(result).toString())
          .contentType(MediaType.APPLICATION_JSON_TYPE);
    });
  }

  private Mono<HttpResponse<String>> svgOf(ModelInfo info, HttpRequest<?> request) {
    return service.plan(info.name(), info.version(), shapes(info, request))
        .map(plan -> HttpResponse.ok(PlanSvgWriter.svg(graphOf(plan), plan))
            .contentType(MediaType.of("image/svg+xml")));
  }

  /**
   * The input shapes the query gives ({@code ?x=2,64}); an input whose shape is fully static may
   * be left out.
   */
  static Map<String, long[]> shapes(ModelInfo info, HttpRequest<?> request) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (String name : request.getParameters().names()) {
      if (info.inputs().stream().noneMatch(t -> t.name().equals(name))) {
        throw ApiException.badRequest("model '" + info.name() + "' has no input '" + name
            + "'; its inputs are " + InferBinder.describe(info.inputs()));
      }
    }
    for (TensorInfo t : info.inputs()) {
      @Nullable String text = request.getParameters().get(t.name());
      long[] shape = text == null ? staticShape(info, t) : parse(t.name(), text);
      InferBinder.checkShape(info, t, shape);
      shapes.put(t.name(), shape);
    }
    return shapes;
  }

  private static long[] staticShape(ModelInfo info, TensorInfo t) {
    if (t.shape().stream().anyMatch(d -> d < 0)) {
      String example = t.shape().stream().map(d -> d < 0 ? "1" : Long.toString(d))
          .reduce((a, b) -> a + "," + b).orElse("");
      throw ApiException.badRequest("give the shape of input '" + t.name() + "' as a query"
          + " parameter, e.g. ?" + t.name() + "=" + example + " (model '" + info.name()
          + "' takes " + t.shape() + ", -1: any size)");
    }
    return t.shape().stream().mapToLong(Long::longValue).toArray();
  }

  private static long[] parse(String input, String text) {
    try {
      long[] shape = text.isBlank() ? new long[0]
          : Arrays.stream(text.split(",")).map(String::strip).mapToLong(Long::parseLong).toArray();
      for (long d : shape) {
        if (d < 1) {
          throw new NumberFormatException();
        }
      }
      return shape;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("query parameter '" + input + "': '" + text + "' is not a"
          + " shape (comma-separated sizes of at least 1, e.g. " + input + "=2,64)");
    }
  }

  /**
   * The storages the plan covers: one per placement for offset plans; for reuse plans, the
   * storages of the rewritten lines plus one for each reuse the planner merged.
   */
  static int storages(Plan plan) {
    return switch (plan.kind()) {
      case OFFSETS -> plan.asOffsets().placements().size();
      case REUSES -> Liveness.of(graphOf(plan)).size() + plan.asReuses().reuses().size();
    };
  }

  /**
   * A graph over the plan's lines: all the SVG writer and liveness need. The service hands out
   * plans, not the bound graphs, so graph outputs are unknown here; outputs are never freed, so
   * liveness still keeps them to the last line.
   */
  private static Graph graphOf(Plan plan) {
    return Graph.of(plan.source(), plan.lines(), List.of());
  }
}
