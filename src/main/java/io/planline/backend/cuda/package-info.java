/**
 * The CUDA backend: JCuda's driver API, device memory in per-request arenas through a caching
 * allocator, kernels compiled ahead of time to PTX, and streams that signal completion to Reactor
 * per batch of launches through CUDA events.
 */
@NullMarked
package io.planline.backend.cuda;

import org.jspecify.annotations.NullMarked;
