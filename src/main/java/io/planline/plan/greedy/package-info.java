/**
 * Reuse-pool planners: the seed's greedy {@code memory_plan_reuse}, a peak-aware variant, and the
 * whole-program peak simulator that measures them (their plans' verifier is
 * {@code io.planline.plan.ReusePlanVerifier}, beside the offset one).
 */
@NullMarked
package io.planline.plan.greedy;

import org.jspecify.annotations.NullMarked;
