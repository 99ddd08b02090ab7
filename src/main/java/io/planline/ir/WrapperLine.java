package io.planline.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One line of a compiled program's wrapper, as PyTorch Inductor's {@code wrapper.py} builds them.
 *
 * <p>One record per line class of the seed, named after it. The records only carry and validate
 * data; planners, readers and the executor give them meaning. Code that must handle every kind
 * switches over {@link #kind()} with a switch <em>expression</em> and no {@code default}, so adding
 * a kind breaks compilation wherever it must be handled (Java 17 has no final pattern switch).
 */
public sealed interface WrapperLine {

  /** The line's class, for exhaustive switches. */
  Kind kind();

  /** Every line class. */
  enum Kind {
    ALLOCATE, FREE_IF_NOT_REUSED, REUSE, NULL, REINTERPRET, FREE, KERNEL_CALL, KERNEL_DEFINITION,
    EXTERN_KERNEL_OUT, EXTERN_KERNEL_ALLOC, MULTI_OUTPUT, COMMENT, ENTER_SUBGRAPH, EXIT_SUBGRAPH,
    ENTER_DEVICE_CONTEXT, EXIT_DEVICE_CONTEXT, COMM_BUFFER_ALLOCATE, COMM_BUFFER_FREE,
    UNBACKED_SYMBOL_DEFS, ALLOC_FROM_POOL, DEALLOC_FROM_POOL, TEXT
  }

  /** Allocate storage for {@code node} (Inductor: {@code empty_strided}). */
  record AllocateLine(Buffer node) implements WrapperLine {
    public AllocateLine {
      requireNonNull(node, "node");
    }

    @Override
    public Kind kind() {
      return Kind.ALLOCATE;
    }
  }

  /**
   * Free {@code node} unless a later allocation took its storage. Buffers that alias a graph
   * output or have a multi-output layout never enter the reuse pool.
   */
  record FreeIfNotReusedLine(Buffer node, boolean isReused, boolean aliasesOutput,
      boolean multiOutput) implements WrapperLine {
    public FreeIfNotReusedLine {
      requireNonNull(node, "node");
    }

    /** A plain free with no flags set. */
    public static FreeIfNotReusedLine of(Buffer node) {
      return new FreeIfNotReusedLine(node, false, false, false);
    }

    @Override
    public Kind kind() {
      return Kind.FREE_IF_NOT_REUSED;
    }
  }

  /**
   * {@code reusedAs} takes over the storage of {@code node}. Requires: equal storage sizes (a reuse
   * that changes the size is a corrupt program).
   */
  record ReuseLine(Buffer node, Buffer reusedAs, boolean deleteOld) implements WrapperLine {
    public ReuseLine {
      requireNonNull(node, "node");
      requireNonNull(reusedAs, "reusedAs");
      if (node.sized() && reusedAs.sized() && node.bytes() != reusedAs.bytes()) {
        throw new IllegalArgumentException("reuse of " + node.name() + " (" + node.bytes()
            + " bytes) as " + reusedAs.name() + " (" + reusedAs.bytes() + " bytes): sizes differ");
      }
    }

    @Override
    public Kind kind() {
      return Kind.REUSE;
    }
  }

  /** A line a planner removed (a removed buffer's allocation or free). */
  record NullLine() implements WrapperLine {
    @Override
    public Kind kind() {
      return Kind.NULL;
    }
  }

  /**
   * {@code reusedAs} is a view of {@code node}'s storage with its own shape and stride, starting
   * {@code offset} elements into it ({@code reinterpret_tensor}).
   */
  record ReinterpretLine(Buffer node, Buffer reusedAs, long offset) implements WrapperLine {
    public ReinterpretLine {
      requireNonNull(node, "node");
      requireNonNull(reusedAs, "reusedAs");
      if (offset < 0) {
        throw new IllegalArgumentException("view " + reusedAs.name() + " of " + node.name()
            + ": negative storage offset " + offset);
      }
    }

    /** A view at the start of the storage. */
    public ReinterpretLine(Buffer node, Buffer reusedAs) {
      this(node, reusedAs, 0);
    }

    @Override
    public Kind kind() {
      return Kind.REINTERPRET;
    }
  }

  /** Drop the program's reference to a graph input ({@code del arg0_1}). */
  record FreeLine(Buffer node) implements WrapperLine {
    public FreeLine {
      requireNonNull(node, "node");
    }

    @Override
    public Kind kind() {
      return Kind.FREE;
    }
  }

  /**
   * Launch a kernel over the named buffers and constants.
   *
   * <p>Inductor's lines name only {@code callArgs} (buffers and constants as text). Programs from
   * planline's exporter also list {@code outputs}, the buffers the kernel writes, in the
   * operator's return order, and call an ATen operator ({@code aten.addmm.default}) whose schema
   * arguments {@code callArgs} spell out in order.
   */
  record KernelCallLine(String kernelName, List<String> callArgs, @Nullable Device device,
      List<String> outputs) implements WrapperLine {
    public KernelCallLine {
      requireNonNull(kernelName, "kernelName");
      callArgs = List.copyOf(callArgs);
      outputs = List.copyOf(outputs);
    }

    /** An Inductor kernel call, whose outputs are not named separately. */
    public KernelCallLine(String kernelName, List<String> callArgs, @Nullable Device device) {
      this(kernelName, callArgs, device, List.of());
    }

    @Override
    public Kind kind() {
      return Kind.KERNEL_CALL;
    }
  }

  /** Define (compile) a kernel that later calls launch. */
  record KernelDefinitionLine(String kernelName) implements WrapperLine {
    public KernelDefinitionLine {
      requireNonNull(kernelName, "kernelName");
    }

    @Override
    public Kind kind() {
      return Kind.KERNEL_DEFINITION;
    }
  }

  /** An extern kernel (a library call such as {@code mm}) writes into the planned {@code node}. */
  record ExternKernelOutLine(Buffer node) implements WrapperLine {
    public ExternKernelOutLine {
      requireNonNull(node, "node");
    }

    @Override
    public Kind kind() {
      return Kind.EXTERN_KERNEL_OUT;
    }
  }

  /** An extern kernel allocates {@code node} itself: the planner does not place it. */
  record ExternKernelAllocLine(Buffer node) implements WrapperLine {
    public ExternKernelAllocLine {
      requireNonNull(node, "node");
    }

    @Override
    public Kind kind() {
      return Kind.EXTERN_KERNEL_ALLOC;
    }
  }

  /** Names one output ({@code resultName}) of a multi-output extern kernel's result. */
  record MultiOutputLine(String resultName, String argName) implements WrapperLine {
    public MultiOutputLine {
      requireNonNull(resultName, "resultName");
      requireNonNull(argName, "argName");
    }

    @Override
    public Kind kind() {
      return Kind.MULTI_OUTPUT;
    }
  }

  /** A comment the wrapper writes (its text is often not recorded). */
  record CommentLine(String text) implements WrapperLine {
    public CommentLine {
      requireNonNull(text, "text");
    }

    @Override
    public Kind kind() {
      return Kind.COMMENT;
    }
  }

  /** Start of a subgraph's body: the greedy planner opens a fresh reuse pool here. */
  record EnterSubgraphLine(String name) implements WrapperLine {
    public EnterSubgraphLine {
      requireNonNull(name, "name");
    }

    @Override
    public Kind kind() {
      return Kind.ENTER_SUBGRAPH;
    }
  }

  /** End of a subgraph's body. */
  record ExitSubgraphLine() implements WrapperLine {
    @Override
    public Kind kind() {
      return Kind.EXIT_SUBGRAPH;
    }
  }

  /** {@code with torch.cuda._DeviceGuard(index):}. */
  record EnterDeviceContextManagerLine(int deviceIndex) implements WrapperLine {
    @Override
    public Kind kind() {
      return Kind.ENTER_DEVICE_CONTEXT;
    }
  }

  /** End of a device guard block. */
  record ExitDeviceContextManagerLine() implements WrapperLine {
    @Override
    public Kind kind() {
      return Kind.EXIT_DEVICE_CONTEXT;
    }
  }

  /** Allocate a buffer for a collective (symmetric memory): never pooled with ordinary buffers. */
  record CommBufferAllocateLine(Buffer node, String commBufferType, String group)
      implements WrapperLine {
    public CommBufferAllocateLine {
      requireNonNull(node, "node");
      requireNonNull(commBufferType, "commBufferType");
      requireNonNull(group, "group");
    }

    @Override
    public Kind kind() {
      return Kind.COMM_BUFFER_ALLOCATE;
    }
  }

  /** Free a collective buffer. */
  record CommBufferFreeLine(Buffer node) implements WrapperLine {
    public CommBufferFreeLine {
      requireNonNull(node, "node");
    }

    @Override
    public Kind kind() {
      return Kind.COMM_BUFFER_FREE;
    }
  }

  /** Defines data-dependent sizes; it places no memory. */
  record UnbackedSymbolDefsLine() implements WrapperLine {
    @Override
    public Kind kind() {
      return Kind.UNBACKED_SYMBOL_DEFS;
    }
  }

  /**
   * Inductor's pool planner placed {@code node} in {@code pool} at {@code offset}; any field may be
   * unknown when the source did not record it (line dumps carry no offsets).
   */
  record AllocFromPoolLine(@Nullable Buffer node, @Nullable String pool, long offset)
      implements WrapperLine {
    public AllocFromPoolLine {
      if (offset < -1) {
        throw new IllegalArgumentException("negative pool offset " + offset);
      }
    }

    @Override
    public Kind kind() {
      return Kind.ALLOC_FROM_POOL;
    }
  }

  /** Inductor's pool planner ends {@code node}'s use of its pool slot. */
  record DeallocFromPoolLine(@Nullable Buffer node) implements WrapperLine {
    @Override
    public Kind kind() {
      return Kind.DEALLOC_FROM_POOL;
    }
  }

  /** A plain string the wrapper wrote ({@code LineContext(...)}, {@code bufN = ...}). */
  record TextLine(String text) implements WrapperLine {
    public TextLine {
      requireNonNull(text, "text");
    }

    @Override
    public Kind kind() {
      return Kind.TEXT;
    }
  }
}
