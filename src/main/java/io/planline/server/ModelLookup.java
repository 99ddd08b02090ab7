package io.planline.server;

import static java.util.Objects.requireNonNull;

import io.planline.exec.InferenceService;
import io.planline.exec.ModelState;
import io.planline.metrics.PlanlineMetrics;
import io.planline.model.ModelInfo;
import jakarta.inject.Singleton;
import java.util.List;
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
   * The loaded model {@code name} at {@code version} (null: the default version).
   *
   * @throws ApiException (404) naming the served models, the model's versions, or saying that a
   *     model the repository holds is not loaded
   */
  public ModelInfo resolve(String name, @Nullable String version) {
    var found = service.model(name, version);
    if (found.isPresent()) {
      return found.get();
    }
    List<ModelState> states = states(name);
    if (states.isEmpty()) {
      throw ApiException.notFound("unknown model '" + name + "'; served models: "
          + String.join(", ", known()));
    }
    boolean named = version != null && !version.isEmpty();
    ModelState state = states.stream().filter(m -> !named || m.version().equals(version))
        .reduce((a, b) -> b).orElse(null);
    if (state == null) {
      throw ApiException.notFound("model '" + name + "' has no version '" + version
          + "'; its versions: " + String.join(", ", versions(name)));
    }
    throw ApiException.notFound("model '" + name + "' version '" + state.version()
        + "' is not loaded (" + state.state() + ": " + state.reason() + "); with"
        + " planline.model-control: explicit, POST /v2/repository/models/" + name
        + "/load loads it");
  }

  /** Every model the server knows (loaded or not), by name, in the service's order. */
  public List<String> known() {
    return service.index().stream().map(ModelState::name).distinct().toList();
  }

  /** Every known version of {@code name} (loaded or not), in the service's order. */
  public List<String> versions(String name) {
    return states(name).stream().map(ModelState::version).toList();
  }

  private List<ModelState> states(String name) {
    return service.index().stream().filter(m -> m.name().equals(name)).toList();
  }

  /**
   * The {@code version} metrics label for a request naming {@code name} at {@code version} (null:
   * the default version): the served version it resolves to, else the known version it names
   * (the last known one when it names none), else
   * {@link PlanlineMetrics#UNKNOWN_VERSION}.
   */
  public String versionLabel(String name, @Nullable String version) {
    var served = service.model(name, version);
    if (served.isPresent()) {
      return served.get().version();
    }
    List<String> known = versions(name);
    if (version == null || version.isEmpty()) {
      // a model that is not loaded: its default version, the last one
      return known.isEmpty() ? PlanlineMetrics.UNKNOWN_VERSION : known.get(known.size() - 1);
    }
    return known.contains(version) ? version : PlanlineMetrics.UNKNOWN_VERSION;
  }

  /** The {@code model} metrics label for a request naming {@code name}. */
  public String label(String name) {
    // Served: the common case, answered without building the index.
    if (service.model(name, null).isPresent()) {
      return name;
    }
    return versions(name).isEmpty() ? PlanlineMetrics.UNKNOWN_MODEL : name;
  }
}
