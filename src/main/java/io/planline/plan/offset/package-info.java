/**
 * Offset (arena) planning: every storage gets a byte offset in one pool per device so that no two
 * storages live at a common line overlap in bytes.
 *
 * <p>The planners ({@link io.planline.plan.offset.OffsetPlanner},
 * {@link io.planline.plan.offset.OptimalPlanner}) are drivers: they turn a graph into one
 * {@link io.planline.plan.offset.OffsetProblem} per device and a
 * {@link io.planline.plan.offset.Packing} back into a {@link io.planline.plan.Plan}. The
 * algorithms see only problems: greedy placers, a portfolio of them, and two exact searches
 * ({@link io.planline.plan.offset.BranchAndBound}, {@link io.planline.plan.offset.CoverSearch}).
 */
@NullMarked
package io.planline.plan.offset;

import org.jspecify.annotations.NullMarked;
