package io.planline.config;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.planline.plan.PlannerRegistry;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * Makes the planner registry and the validated {@link ServingConfig} beans; the configuration is
 * a {@link Context} bean so that a bad one stops start-up instead of the first request.
 */
@Factory
public final class ServingConfigFactory {

  /** The built-in planner strategies. */
  @Singleton
  public PlannerRegistry plannerRegistry() {
    return PlannerRegistry.builtIn();
  }

  /** The resolved configuration; fails start-up when invalid. */
  @Context
  public ServingConfig servingConfig(PlanlineConfig raw, List<ModelConfig> models,
      PlannerRegistry planners) {
    return ServingConfig.resolve(raw, models, planners);
  }

  /** The model repository's models ({@code planline.model-repository}); fails start-up when bad. */
  @Context
  public ModelRepository modelRepository(PlanlineConfig raw, ServingConfig config) {
    return ModelRepository.scan(raw, config);
  }
}
