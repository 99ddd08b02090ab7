package io.planline.server;

import static java.util.Objects.requireNonNull;

import io.planline.exec.InferenceService;
import io.planline.metrics.PlanlineMetrics;
import io.planline.model.ModelInfo;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Finds the model a path names, or fails with a 404 that lists what is served.
 */
@Singleton
public final class ModelLookup {

  private final InferenceService service;

  ModelLookup(InferenceService service) {
    this.service = requireNonNull(service, "service");
  }

  /**
   * The model {@code name} at {@code version} (null: the default version).
   *
   * @throws ApiException (404) naming the served models, or the model's versions
   */
  public ModelInfo resolve(String name, @Nullable String version) {
    var found = service.model(name, version);
    if (found.isPresent()) {
      return found.get();
    }
    List<String> versions = versions(name);
    if (versions.isEmpty()) {
      throw ApiException.notFound("unknown model '" + name + "'; served models: "
          + service.models().stream().map(ModelInfo::name).distinct()
              .collect(Collectors.joining(", ")));
    }
    throw ApiException.notFound("model '" + name + "' has no version '" + version
        + "'; its versions: " + String.join(", ", versions));
  }

  /** Every served version of {@code name}, in the service's order. */
  public List<String> versions(String name) {
    return service.models().stream().filter(m -> m.name().equals(name)).map(ModelInfo::version)
        .toList();
  }

  /**
   * The {@code version} metrics label for a request naming {@code name} at {@code version} (null:
   * the default version): the served version it resolves to, else
   * {@link PlanlineMetrics#UNKNOWN_VERSION}.
   */
  public String versionLabel(String name, @Nullable String version) {
    return service.model(name, version).map(ModelInfo::version)
        .orElse(PlanlineMetrics.UNKNOWN_VERSION);
  }

  /** The {@code model} metrics label for a request naming {@code name}. */
  public String label(String name) {
    return versions(name).isEmpty() ? PlanlineMetrics.UNKNOWN_MODEL : name;
  }
}
