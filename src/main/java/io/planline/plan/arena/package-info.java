/**
 * What the offset planners share, neither fast nor exact: a device's live ranges as an
 * {@link io.planline.plan.OffsetProblem} and packings back to a decision
 * ({@link io.planline.plan.arena.ArenaDriver}), the time sections and independent components of
 * a problem, the buffer orders, the greedy placers and their portfolio. {@code plan/offset}
 * decides with the portfolio; {@code plan/optimal} starts its searches from it. This package
 * names neither of them.
 */
@NullMarked
package io.planline.plan.arena;

import org.jspecify.annotations.NullMarked;
