/**
 * The fast offset planner: {@link io.planline.plan.offset.OffsetPlanner}, the greedy portfolio
 * over each independent section of a device's problem. What it cannot bring to the lower bound
 * it leaves to the driver's fallback stage ({@link io.planline.plan.FallbackStage}), which runs
 * the exact engine of {@code plan/optimal} through the core's {@link io.planline.plan.Improver}
 * interface; this package never names that one.
 */
@NullMarked
package io.planline.plan.offset;

import org.jspecify.annotations.NullMarked;
