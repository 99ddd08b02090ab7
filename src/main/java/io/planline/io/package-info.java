/**
 * Readers of program files into the IR: Inductor line dumps ({@code lines.json}), Inductor output
 * code ({@code wrapper_NN.py}) and MiniMalloc-style buffer lists (CSV).
 */
@NullMarked
package io.planline.io;

import org.jspecify.annotations.NullMarked;
