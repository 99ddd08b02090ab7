/**
 * Memory planning: the liveness driver, the lower bound, the planner SPI with one class per
 * strategy, the registry that selects them by name, and the verifier every plan must pass.
 */
@NullMarked
package io.planline.plan;

import org.jspecify.annotations.NullMarked;
