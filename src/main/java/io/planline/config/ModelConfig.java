package io.planline.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import org.jspecify.annotations.Nullable;

/**
 * One entry of the {@code planline.models} list as bound from YAML: a built-in model (no
 * {@code path}) or a model folder on disk, with its version and an optional planner override.
 */
@EachProperty(value = "planline.models", list = true)
public final class ModelConfig {

  private final int index;
  private @Nullable String name;
  private String version = "1";
  private @Nullable String planner;
  private @Nullable String kernels;
  private @Nullable String path;
  private @Nullable Batching batching;

  /** {@code planline.models[i].batching.*}: this model's batching, over the global settings. */
  @ConfigurationProperties("batching")
  public static final class Batching extends BatchingConfig {}

  /** This model's batching settings, or null where it sets none. */
  public @Nullable Batching getBatching() {
    return batching;
  }

  /** Sets this model's batching settings. */
  public void setBatching(@Nullable Batching batching) {
    this.batching = batching;
  }

  /** Micronaut creates one per list entry, passing its position. */
  public ModelConfig(@Parameter Integer index) {
    this.index = index;
  }

  /** Position in the list, for messages. */
  public int getIndex() {
    return index;
  }

  /** The name clients use in {@code /v2/models/{name}}. */
  public @Nullable String getName() {
    return name;
  }

  /** Sets the model name. */
  public void setName(@Nullable String name) {
    this.name = name;
  }

  /** The version string. */
  public String getVersion() {
    return version;
  }

  /** Sets the version string. */
  public void setVersion(String version) {
    this.version = version;
  }

  /** This model's kernel choice ({@code auto}, {@code inductor}, {@code java}), or null. */
  public @Nullable String getKernels() {
    return kernels;
  }

  /** Sets this model's kernel choice. */
  public void setKernels(@Nullable String kernels) {
    this.kernels = kernels;
  }

  /** This model's planner, or null for the global one. */
  public @Nullable String getPlanner() {
    return planner;
  }

  /** Sets this model's planner. */
  public void setPlanner(@Nullable String planner) {
    this.planner = planner;
  }

  /** The model folder, or null for a built-in model. */
  public @Nullable String getPath() {
    return path;
  }

  /** Sets the model folder. */
  public void setPath(@Nullable String path) {
    this.path = path;
  }
}
