/**
 * Memory planning's core: {@link io.planline.plan.PlanDriver} (liveness once, the one lower
 * bound, the strategy's decision, verification), the planner SPI, the sealed
 * {@link io.planline.plan.Plan}, the registry that finds the strategies by name, and the
 * verifiers every plan must pass. The strategies live in sub-packages, which this core never
 * names (the registry loads them through {@link java.util.ServiceLoader}).
 */
@NullMarked
package io.planline.plan;

import org.jspecify.annotations.NullMarked;
