package io.planline.exec;

import io.planline.model.Model;
import java.util.List;

/**
 * Where a runtime loads models from on demand (Triton's explicit model control): the versions it
 * can load, and how to load one. {@link Runtimes} makes one from the configured models and the
 * model repository.
 */
public interface ModelSource {

  /** A source of nothing: the runtime serves only the models it was given. */
  ModelSource NONE = new ModelSource() {
    @Override
    public List<RuntimeSettings.ModelSpec> specs() {
      return List.of();
    }

    @Override
    public Model load(RuntimeSettings.ModelSpec spec) {
      throw new IllegalArgumentException("no model source: cannot load model '" + spec.name()
          + "'");
    }
  };

  /** Every version this source can load, a model's versions in order (the last is the default). */
  List<RuntimeSettings.ModelSpec> specs();

  /**
   * Loads one version: reads it and puts its weights on the backend (slow; never called on an
   * event loop).
   *
   * @throws RuntimeException naming the file and what is wrong when it cannot be loaded
   */
  Model load(RuntimeSettings.ModelSpec spec);
}
