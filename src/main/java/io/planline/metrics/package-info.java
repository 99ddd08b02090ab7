/**
 * Micrometer meters for what memory and requests are doing, exported at {@code /prometheus}:
 * one class registers them all, with plain methods for the runtime and the server to call.
 */
@NullMarked
package io.planline.metrics;

import org.jspecify.annotations.NullMarked;
