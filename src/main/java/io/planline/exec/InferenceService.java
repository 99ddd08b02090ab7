package io.planline.exec;

import io.planline.backend.HostTensor;
import io.planline.model.ModelInfo;
import io.planline.model.TensorInfo;
import io.planline.plan.Plan;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * What the HTTP layer needs from the runtime: the served models, their plans, and inference.
 *
 * <p>Failures come back as typed exceptions: {@link InferenceException.ModelNotFound} (no such
 * model or version), {@link InferenceException.BadInput} (wrong name, type, shape or element
 * count; says which input and what was expected), {@link InferenceException.Overloaded} (queue
 * full or memory budget exhausted), {@link InferenceException.Failed} (the program failed).
 */
public interface InferenceService {

  /** Every served model. */
  List<ModelInfo> models();

  /** One model; a null version means the default (latest) version. */
  Optional<ModelInfo> model(String name, @Nullable String version);

  /** Whether the model is loaded and can take requests. */
  boolean ready(String name, @Nullable String version);

  /**
   * Every model version the runtime knows, loaded or not, with its state (Triton's repository
   * index). A runtime that loads nothing on demand knows only what it serves, all ready.
   */
  default List<ModelState> index() {
    return models().stream().map(m -> ModelState.ready(m.name(), m.version())).toList();
  }

  /**
   * Loads every version of {@code model} that is not loaded (Triton's explicit model control);
   * completes when they are ready, at once when they already are.
   *
   * @return a Mono failing with {@link InferenceException.ModelNotFound} for a model the runtime
   *     cannot load, {@link InferenceException.Failed} when loading fails
   */
  default Mono<Void> load(String model) {
    return Mono.error(new InferenceException.ModelNotFound("this runtime cannot load models"
        + " on demand (model '" + model + "')"));
  }

  /**
   * Stops {@code model} taking new requests; each version is released once the requests it
   * admitted have finished. Completes once no version takes new requests.
   *
   * @return a Mono failing with {@link InferenceException.ModelNotFound} for an unknown model
   */
  default Mono<Void> unload(String model) {
    return Mono.error(new InferenceException.ModelNotFound("this runtime cannot unload models"
        + " (model '" + model + "')"));
  }

  /** Runs one inference: inputs by name in, outputs in signature order out. */
  default Mono<List<HostTensor>> infer(String model, @Nullable String version,
      Map<String, HostTensor> inputs) {
    return infer(model, version, inputs, outputs -> { });
  }

  /**
   * As {@link #infer(String, String, Map)}, showing {@code beforeRun} the outputs the request
   * will return (bound shapes) once they are known from the plan and before anything is admitted
   * or run; an exception it throws ends the request with that failure.
   */
  default Mono<List<HostTensor>> infer(String model, @Nullable String version,
      Map<String, HostTensor> inputs, Consumer<List<TensorInfo>> beforeRun) {
    return infer(model, version, inputs, beforeRun, RequestTimes.start());
  }

  /**
   * As {@link #infer(String, String, Map, Consumer)}, marking on {@code times} when the request's
   * execution starts and ends, so that the frontend can split its time into queue and compute
   * ({@link RequestTimes#phases}).
   */
  Mono<List<HostTensor>> infer(String model, @Nullable String version,
      Map<String, HostTensor> inputs, Consumer<List<TensorInfo>> beforeRun, RequestTimes times);

  /**
   * The verified plan the model uses for inputs of these shapes (input name to dims); a new
   * shape is planned off the subscriber's thread.
   */
  Mono<Plan> plan(String model, @Nullable String version, Map<String, long[]> shapes);
}
