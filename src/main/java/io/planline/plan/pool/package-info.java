/**
 * Pool planning after PyTorch Inductor: its offset pool planner re-implemented
 * ({@link io.planline.plan.pool.InductorPoolPlanner}) and the plan a compiled module already
 * carries ({@link io.planline.plan.pool.AsCompiledPlan}).
 */
@NullMarked
package io.planline.plan.pool;

import org.jspecify.annotations.NullMarked;
