/**
 * Reuse-pool planners: the seed's greedy {@code memory_plan_reuse} (batch and online), a
 * peak-aware variant, the whole-program peak simulator that measures them, and the verifier that
 * checks their plans by simulation.
 */
@NullMarked
package io.planline.plan.greedy;

import org.jspecify.annotations.NullMarked;
