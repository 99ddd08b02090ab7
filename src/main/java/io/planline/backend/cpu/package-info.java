/** The CPU backend: direct-buffer memory, single-thread streams, the Java kernel library. */
@NullMarked
package io.planline.backend.cpu;

import org.jspecify.annotations.NullMarked;
