/** The device SPI: memory with accounting, in-order streams, kernels. One package per backend. */
@NullMarked
package io.planline.backend;

import org.jspecify.annotations.NullMarked;
