/** The wrapper-line IR: one record per line class of Inductor's wrapper, and the buffers they name. */
@NullMarked
package io.planline.ir;

import org.jspecify.annotations.NullMarked;
