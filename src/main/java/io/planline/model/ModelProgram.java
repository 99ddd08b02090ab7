package io.planline.model;

import static java.util.Objects.requireNonNull;

import io.planline.ir.DType;
import io.planline.kernel.NativeKernels;
import io.planline.kernel.TritonKernel;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An exported program before its dynamic dimensions are bound: what {@code program.json} holds.
 * {@link ProgramBinder} turns it into a concrete {@link io.planline.ir.Graph} per input shape.
 *
 * @param source the file it came from
 * @param name the model's name
 * @param symbols names of the dynamic dimensions ({@code s0}, ...)
 * @param bounds the range each symbol may take (e.g. a sequence no longer than the context)
 * @param inputs the request inputs, in order
 * @param outputs the response outputs, in order
 * @param weights parameters, read from the weights file
 * @param lines the program, with sizes still symbolic
 * @param compiled the kernels compiled ahead of time that its calls may name (format version
 *     2), or null when every call is an ATen operator
 * @param indexBounds integer inputs that index a table, to the table's row count, as the
 *     exporter declared them (version 2; compiled kernels check indices themselves, and a failed
 *     check there cannot be reported, so requests are checked before they run)
 * @param inductorPools Inductor's own pool sizes for the same lines, when the exporter
 *     recorded them; null otherwise
 * @param batchDim the dimension of every input and output that counts independent samples
 *     (requests may be concatenated along it and the outputs split back), or null when the
 *     model has none; one symbol, the same in every input, at that dimension
 */
public record ModelProgram(String source, String name, List<String> symbols,
    Map<String, Bound> bounds, List<TensorSpec> inputs, List<OutputSpec> outputs,
    List<WeightSpec> weights, List<Template> lines, @Nullable Compiled compiled,
    Map<String, Long> indexBounds, @Nullable InductorPools inductorPools,
    @Nullable Integer batchDim) {

  public ModelProgram {
    requireNonNull(source, "source");
    requireNonNull(name, "name");
    symbols = List.copyOf(symbols);
    bounds = Map.copyOf(bounds);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    weights = List.copyOf(weights);
    lines = List.copyOf(lines);
    indexBounds = Map.copyOf(indexBounds);
  }

  /** The inclusive range of one symbol's values. */
  public record Bound(long min, long max) {
    public Bound {
      if (min < 0 || max < min) {
        throw new IllegalArgumentException("bad symbol range [" + min + ", " + max + "]");
      }
    }
  }

  /** A request input: name, element type and (possibly symbolic) shape. */
  public record TensorSpec(String name, DType dtype, List<SizeExpr> shape) {
    public TensorSpec {
      requireNonNull(name, "name");
      requireNonNull(dtype, "dtype");
      shape = List.copyOf(shape);
    }
  }

  /** A response output and the buffer (or view) holding it after the last line. */
  public record OutputSpec(String name, String buffer) {
    public OutputSpec {
      requireNonNull(name, "name");
      requireNonNull(buffer, "buffer");
    }
  }

  /**
   * A weight: its program name, its key in the weights file, dtype and shape, and its strides in
   * elements where it is not contiguous ({@code null}: row-major; format version 3, see
   * {@link WeightLayouts}).
   */
  public record WeightSpec(String name, String tensor, DType dtype, List<Long> shape,
      @Nullable List<Long> stride) {
    public WeightSpec {
      requireNonNull(name, "name");
      requireNonNull(tensor, "tensor");
      requireNonNull(dtype, "dtype");
      shape = List.copyOf(shape);
      stride = stride == null ? null : List.copyOf(stride);
    }

    /** A contiguous weight. */
    public WeightSpec(String name, String tensor, DType dtype, List<Long> shape) {
      this(name, tensor, dtype, shape, null);
    }
  }

  /** One program line with symbolic sizes. */
  public sealed interface Template permits Alloc, Call, View, Free, Reuse {}

  /** Allocate {@code name}; {@code storage} is its size in elements. */
  public record Alloc(String name, String device, DType dtype, List<SizeExpr> shape,
      List<SizeExpr> stride, SizeExpr storage) implements Template {}

  /** Run operator or compiled kernel {@code kernel}, writing {@code outputs}. */
  public record Call(String kernel, List<String> outputs, List<String> args) implements Template {

    /**
     * Whether the call names an operator of planline's kernel library, an ATen one ({@code
     * aten.addmm.default}) or one of oneDNN's fused convolutions that Inductor writes on the CPU
     * ({@code mkldnn._convolution_pointwise.default}), rather than a kernel of the program's
     * compiled library.
     */
    public boolean isLibraryOperator() {
      return kernel.startsWith("aten.") || kernel.startsWith("mkldnn.");
    }
  }

  /** {@code name} is a view of {@code source}'s storage. */
  public record View(String source, String name, DType dtype, List<SizeExpr> shape,
      List<SizeExpr> stride, SizeExpr offset) implements Template {}

  /** Release {@code name}'s storage. */
  public record Free(String name) implements Template {}

  /**
   * An in-place reuse decided by the compiler (Inductor's ReuseLine): buffer {@code name} takes
   * over the storage of {@code old}, which is not used again.
   */
  public record Reuse(String old, String name, DType dtype, List<SizeExpr> shape,
      List<SizeExpr> stride, SizeExpr storage) implements Template {}

  /** Kernels compiled ahead of time that the program's calls may name (format version 2). */
  public sealed interface Compiled permits CppLibrary, TritonBinaries {
    /** How each kernel's calls pass their arguments, in order. */
    Map<String, List<NativeKernels.Param>> signatures();
  }

  /**
   * Inductor's C++ kernels compiled into a shared library of the model folder (kind
   * {@code inductor-cpp}), one build per instruction set, all from the same lines.
   *
   * @param builds the library's builds, the AVX2 one first
   * @param source the AVX2 build's C++ source in the model folder, or null where the folder
   *     names none
   * @param kernels each kernel's parameters, in order (the same in every build)
   */
  public record CppLibrary(List<CppBuild> builds, @Nullable String source,
      Map<String, List<NativeKernels.Param>> kernels) implements Compiled {
    public CppLibrary {
      builds = List.copyOf(builds);
      if (builds.isEmpty() || !builds.get(0).isa().equals(CppBuild.AVX2)) {
        throw new IllegalArgumentException("the first build must be avx2's, got " + builds);
      }
      kernels = Map.copyOf(kernels);
    }

    @Override
    public Map<String, List<NativeKernels.Param>> signatures() {
      return kernels;
    }
  }

  /**
   * One build of a {@link CppLibrary}.
   *
   * @param isa the instruction set it needs: {@value #AVX2} or {@value #AVX512}
   * @param library its file name in the model folder
   * @param sha256 its SHA-256, checked at load
   * @param serial the same kernels built without OpenMP, or null: a call too small for a second
   *     thread runs there, since entering a parallel region costs about a microsecond even on
   *     one thread (libgomp, docs/benchmarks.md)
   */
  public record CppBuild(String isa, String library, String sha256, @Nullable Serial serial) {

    /** A build without OpenMP: its file name in the model folder and its SHA-256. */
    public record Serial(String library, String sha256) {
      public Serial {
        requireNonNull(library, "library");
        requireNonNull(sha256, "sha256");
      }
    }

    /** A build with no serial variant. */
    public CppBuild(String isa, String library, String sha256) {
      this(isa, library, sha256, null);
    }

    /** x86-64 with AVX2, FMA, F16C and BMI2: the build every export has. */
    public static final String AVX2 = "avx2";
    /** The same with AVX-512 F, BW, DQ and VL: 512-bit vectors. */
    public static final String AVX512 = "avx512";

    public CppBuild {
      requireNonNull(isa, "isa");
      requireNonNull(library, "library");
      requireNonNull(sha256, "sha256");
    }
  }

  /**
   * Inductor's Triton kernels as GPU binaries in the model folder (kind {@code inductor-triton}).
   *
   * @param capability the architecture they were compiled for ({@code sm_90})
   * @param kernels each kernel by name
   */
  public record TritonBinaries(String capability, Map<String, TritonKernel> kernels)
      implements Compiled {
    public TritonBinaries {
      requireNonNull(capability, "capability");
      kernels = Map.copyOf(kernels);
    }

    @Override
    public Map<String, List<NativeKernels.Param>> signatures() {
      Map<String, List<NativeKernels.Param>> out = new java.util.TreeMap<>();
      kernels.forEach((name, k) -> out.put(name, k.argKinds()));
      return out;
    }
  }
}
