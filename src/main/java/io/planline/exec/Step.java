package io.planline.exec;

import static java.util.Objects.requireNonNull;

import io.planline.backend.Backend.PreparedLaunch;
import io.planline.ir.DType;

/**
 * One executable step of a planned program: what the memory stage and the launch stage act on.
 * Compiled once per (model, input shapes, planner) by {@link ExecutableProgram}.
 */
public sealed interface Step {

  /** Tensor layout of a named buffer: type, dims and strides (elements). */
  record Layout(DType dtype, long[] shape, long[] stride) {
    public Layout {
      requireNonNull(dtype, "dtype");
      shape = shape.clone();
      stride = stride.clone();
    }
  }

  /** Give {@code name} its storage: at {@code arenaOffset} in arena {@code arena}, or fresh. */
  record Allocate(String name, long bytes, int arena, long arenaOffset, Layout layout)
      implements Step {
    /** Marks a storage that is allocated on its own rather than placed in the arena. */
    public static final long OWN_BUFFER = -1;
  }

  /** {@code name} takes over {@code old}'s storage with its own layout (a reuse). */
  record Reuse(String name, String old, long bytes, Layout layout) implements Step {}

  /** {@code name} is a view of {@code source}'s memory, {@code byteOffset} further in. */
  record View(String name, String source, long byteOffset, Layout layout) implements Step {}

  /** {@code name}'s storage is no longer needed. */
  record Free(String name, long bytes) implements Step {}

  /** Run a kernel. */
  record Launch(String kernel, PreparedLaunch launch) implements Step {}
}
