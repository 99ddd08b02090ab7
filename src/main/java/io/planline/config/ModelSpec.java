package io.planline.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * One model to serve, resolved and validated: its name, version, the planner that plans it, and
 * its folder on disk (null for a model built into the jar).
 *
 * @param name the name clients use
 * @param version the version string
 * @param planner a registered planner name
 * @param folder the model folder, or null for a built-in model
 * @param kernels which program runs where the model has both ({@code auto}, {@code inductor},
 *     {@code java})
 * @param batching how its requests are batched
 */
public record ModelSpec(String name, String version, String planner, @Nullable Path folder,
    String kernels, BatchingSpec batching) {

  /** A model whose program is chosen automatically. */
  public ModelSpec(String name, String version, String planner, @Nullable Path folder) {
    this(name, version, planner, folder, "auto");
  }

  /** A model whose requests are not batched. */
  public ModelSpec(String name, String version, String planner, @Nullable Path folder,
      String kernels) {
    this(name, version, planner, folder, kernels, BatchingSpec.DEFAULT);
  }

  public ModelSpec {
    requireNonNull(name, "name");
    requireNonNull(version, "version");
    requireNonNull(planner, "planner");
    requireNonNull(batching, "batching");
  }

  /** Whether the model ships inside the jar. */
  public boolean builtIn() {
    return folder == null;
  }
}
