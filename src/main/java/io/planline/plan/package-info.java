/**
 * Memory planning's core: {@link io.planline.plan.PlanDriver} (liveness once, the one lower
 * bound, the strategy's decision, the fallback stage, verification), the planner SPI, the sealed
 * {@link io.planline.plan.Plan}, the registry that finds the strategies by name, the verifiers
 * every plan must pass, and the types the offset strategies exchange through the core
 * ({@link io.planline.plan.OffsetProblem}, {@link io.planline.plan.Improver},
 * {@link io.planline.plan.Refinement}). The strategies live in sub-packages, which this core
 * never names (the registry and the fallback stage load them through
 * {@link java.util.ServiceLoader}).
 */
@NullMarked
package io.planline.plan;

import org.jspecify.annotations.NullMarked;
