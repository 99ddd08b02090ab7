package io.planline.kernel;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A Triton kernel as Inductor compiled and autotuned it for a GPU (format version 2,
 * {@code compiled.kind: inductor-triton}): its binary and everything launching it needs. The
 * program's calls pass {@link #args} in order (tensors by name, sizes as numbers); the launch
 * passes the {@link #launched} ones of them (constexpr arguments are baked into the binary),
 * then {@link #scratchPointers} null pointers for the scratch buffers Triton appends.
 *
 * @param name the kernel's name in the program
 * @param entry the function's name in the binary
 * @param cubinFile the binary for the exporting GPU's architecture, a file of the model folder
 * @param sha256 the binary's SHA-256, checked when it is read
 * @param ptxFile its PTX, which the driver compiles for another architecture, or null
 * @param numWarps warps per block (32 threads each)
 * @param sharedBytes dynamic shared memory per block
 * @param args the argument names the program's calls pass, in order
 * @param argKinds how each of {@code args} is passed
 * @param launched the indexes into {@code args} of the launch's parameters, in order
 * @param scratchPointers trailing scratch pointers (passed as null: the exporter refuses kernels
 *     that need scratch memory)
 * @param grid how the launch grid follows from the call's sizes
 */
public record TritonKernel(String name, String entry, String cubinFile, String sha256,
    @Nullable String ptxFile,
    int numWarps, int sharedBytes, List<String> args, List<NativeKernels.Param> argKinds,
    List<Integer> launched, int scratchPointers, Grid grid) {

  /** Bytes of one pointer, 64-bit integer or double parameter. */
  private static final int WIDE = 8;

  public TritonKernel {
    requireNonNull(name, "name");
    requireNonNull(entry, "entry");
    requireNonNull(cubinFile, "cubinFile");
    requireNonNull(sha256, "sha256");
    requireNonNull(grid, "grid");
    args = List.copyOf(args);
    argKinds = List.copyOf(argKinds);
    launched = List.copyOf(launched);
    if (args.size() != argKinds.size()) {
      throw new IllegalArgumentException(name + ": " + args.size() + " arguments but "
          + argKinds.size() + " kinds");
    }
    for (int i : launched) {
      if (i < 0 || i >= args.size()) {
        throw new IllegalArgumentException(name + ": launched argument " + i + " of "
            + args.size());
      }
    }
    if (numWarps < 1 || numWarps > 32 || sharedBytes < 0 || scratchPointers < 0) {
      throw new IllegalArgumentException(name + ": " + numWarps + " warps, " + sharedBytes
          + " shared bytes, " + scratchPointers + " scratch pointers");
    }
  }

  /** The size in bytes of a parameter of kind {@code p}. */
  public static int size(NativeKernels.Param p) {
    return switch (p) {
      case PTR, I64, F64 -> WIDE;
      case I32, F32 -> 4;
    };
  }

  /** A kernel with its binary (and PTX, or null) read from the model folder. */
  public record Binary(TritonKernel kernel, byte[] cubin, byte @Nullable [] ptx) {
    public Binary {
      requireNonNull(kernel, "kernel");
      requireNonNull(cubin, "cubin");
    }
  }

  /**
   * The launch grid of a call passing {@code callArgs} (in {@link #args} order): its integer
   * arguments, by name, are the sizes {@link Grid#of} reads.
   *
   * @throws IllegalArgumentException naming the argument when an integer one is not a number
   */
  public long[] gridFor(List<String> callArgs) {
    Map<String, Long> numbers = new java.util.HashMap<>();
    for (int i = 0; i < callArgs.size(); i++) {
      NativeKernels.Param p = argKinds.get(i);
      if (p == NativeKernels.Param.I32 || p == NativeKernels.Param.I64) {
        numbers.put(args.get(i), integer(i, callArgs.get(i)));
      }
    }
    return grid.of(numbers);
  }

  /** Argument {@code i}'s value {@code text} as an integer. */
  public long integer(int i, String text) {
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": argument " + args.get(i) + " is '" + text
          + "', not a number (the shapes must be bound before launch)", e);
    }
  }

  /** The kinds of the launch's parameters, in order (without the scratch pointers). */
  public List<NativeKernels.Param> params() {
    return launched.stream().map(argKinds::get).toList();
  }

  /**
   * Checks that the launch's parameters are exactly those {@code cubin} declares: as many, and
   * each of the size the binary expects.
   *
   * @throws IllegalArgumentException naming the kernel and the first difference
   */
  public void checkAgainstBinary(byte[] cubin) {
    List<CubinInfo.Param> declared;
    try {
      declared = CubinInfo.params(cubin, entry);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
    }
    int passed = launched.size() + scratchPointers;
    if (declared.size() != passed) {
      throw new IllegalArgumentException(name + ": the binary declares " + declared.size()
          + " parameters, the launch passes " + launched.size() + " arguments and "
          + scratchPointers + " scratch pointers");
    }
    for (int i = 0; i < launched.size(); i++) {
      NativeKernels.Param kind = argKinds.get(launched.get(i));
      if (declared.get(i).size() != size(kind)) {
        throw new IllegalArgumentException(name + ": parameter " + i + " ("
            + args.get(launched.get(i)) + ", " + kind + ") is " + size(kind)
            + " bytes but the binary declares " + declared.get(i).size());
      }
    }
    for (int i = launched.size(); i < passed; i++) {
      if (declared.get(i).size() != WIDE) {
        throw new IllegalArgumentException(name + ": scratch parameter " + i + " is declared "
            + declared.get(i).size() + " bytes, not a pointer");
      }
    }
  }

  /**
   * Inductor's launch-grid rules (its {@code GridExpr} classes of the same names): blocks along
   * x, y, z are the sizes {@code xnumel}, {@code ynumel}, {@code znumel} divided by the tuned
   * block sizes, rounded up; {@code Grid2DWithYZOverflow} folds a y beyond the hardware's 65,535
   * into z. {@code FixedGrid} (Inductor's templates: convolution, products) takes the grid as it
   * is from the call's three trailing arguments {@code _grid_0.._grid_2}, which the kernel itself
   * does not take.
   */
  public record Grid(String type, long xBlock, long yBlock, long zBlock) {

    /** The grid types understood here. */
    public static final List<String> TYPES = List.of("Grid1D", "Grid2D", "Grid3D",
        "Grid2DWithYZOverflow", "FixedGrid");
    private static final long MAX_Y = 65_535;

    public Grid {
      if (!TYPES.contains(type)) {
        throw new IllegalArgumentException("grid type '" + type + "' (known: " + TYPES + ")");
      }
      if (xBlock < 1 || yBlock < 1 || zBlock < 1) {
        throw new IllegalArgumentException("block sizes must be positive");
      }
    }

    /** The grid for a call whose size arguments are {@code numbers}. */
    public long[] of(Map<String, Long> numbers) {
      if (type.equals("FixedGrid")) {
        return new long[] {numel(numbers, "_grid_0"), numel(numbers, "_grid_1"),
            numel(numbers, "_grid_2")};
      }
      long x = ceil(numel(numbers, "xnumel"), xBlock);
      return switch (type) {
        case "Grid1D" -> new long[] {x, 1, 1};
        case "Grid2D" -> new long[] {x, ceil(numel(numbers, "ynumel"), yBlock), 1};
        case "Grid3D" -> new long[] {x, ceil(numel(numbers, "ynumel"), yBlock),
            ceil(numel(numbers, "znumel"), zBlock)};
        default -> {
          long y = ceil(numel(numbers, "ynumel"), yBlock);
          long split = ceil(y, MAX_Y);
          yield new long[] {x, split == 0 ? 0 : ceil(y, split), split};
        }
      };
    }

    private static long numel(Map<String, Long> numbers, String name) {
      Long n = numbers.get(name);
      if (n == null) {
        throw new IllegalArgumentException("the grid needs argument " + name
            + ", which the kernel does not take");
      }
      return n;
    }

    private static long ceil(long n, long block) {
      return Math.floorDiv(n + block - 1, block);
    }
  }
}
