package io.planline.exec;

import io.planline.backend.HostTensor;
import io.planline.model.ModelInfo;
import io.planline.plan.Plan;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

  /** Runs one inference: inputs by name in, outputs in signature order out. */
  Mono<List<HostTensor>> infer(String model, @Nullable String version,
      Map<String, HostTensor> inputs);

  /** The verified plan the model uses for inputs of these shapes (input name to dims). */
  Plan plan(String model, @Nullable String version, Map<String, long[]> shapes);
}
