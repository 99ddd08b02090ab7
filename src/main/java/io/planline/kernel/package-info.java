/**
 * The CPU kernel library: strided tensors over off-heap memory, ATen operators bound to their call
 * arguments at load time, a cache-blocked parallel GEMM, and the safetensors reader.
 */
@NullMarked
package io.planline.kernel;

import org.jspecify.annotations.NullMarked;
