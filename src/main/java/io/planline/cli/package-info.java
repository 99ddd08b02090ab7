/** Command-line verbs of {@code planline.jar}. */
@NullMarked
package io.planline.cli;

import org.jspecify.annotations.NullMarked;
