/**
 * The exact engines: two complete searches over one independent component
 * ({@link io.planline.plan.optimal.BranchAndBound}, {@link io.planline.plan.optimal.CoverSearch})
 * run together by {@link io.planline.plan.optimal.ExactSearch}; the {@code optimal} planner
 * (anytime minimum, or "does it fit"); and {@link io.planline.plan.optimal.ExactImprover}, the
 * short search the driver's fallback stage runs on the parts the {@code offset} planner left
 * above the bound. This package never names {@code plan/offset}.
 */
@NullMarked
package io.planline.plan.optimal;

import org.jspecify.annotations.NullMarked;
