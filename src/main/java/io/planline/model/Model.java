package io.planline.model;

import static java.util.Objects.requireNonNull;

import io.planline.backend.Backend;
import io.planline.kernel.CompiledKernels;
import io.planline.backend.DeviceTensor;
import io.planline.ir.Graph;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A loaded model: its program, its weights on the backend, the planner its requests use, and its
 * metadata. Binding the program to a request's shapes and planning it happen here; compiling
 * the plan for execution (and caching that per binding) is the executor's business.
 */
public final class Model {

  private final String name;
  private final String version;
  private final ModelProgram program;
  private final Map<String, DeviceTensor> weights;
  private final long weightBytes;
  private final MemoryPlanner planner;
  private final PlanOptions options;
  private final Backend backend;
  private final Map<String, Long> indexBounds;
  /** The program's compiled kernels, loaded (null when it calls only ATen operators). */
  private final @org.jspecify.annotations.Nullable CompiledKernels nativeKernels;
  /** Metadata is asked for on every request (readiness, lookup): worked out once. */
  private final ModelInfo info;
  /** Where its files were read from: its sample is read from there when it is warmed up. */
  private final ModelLoader.Source source;

  Model(String name, String version, ModelProgram program, Map<String, DeviceTensor> weights,
      long weightBytes, MemoryPlanner planner, PlanOptions options, Backend backend,
      @org.jspecify.annotations.Nullable CompiledKernels nativeKernels,
      ModelLoader.Source source) {
    this.nativeKernels = nativeKernels;
    this.source = requireNonNull(source, "source");
    this.name = requireNonNull(name, "name");
    this.version = requireNonNull(version, "version");
    this.program = requireNonNull(program, "program");
    this.weights = Map.copyOf(weights);
    this.weightBytes = weightBytes;
    this.planner = requireNonNull(planner, "planner");
    this.options = requireNonNull(options, "options");
    this.backend = requireNonNull(backend, "backend");
    this.indexBounds = indexBounds(program);
    this.info = describe();
  }

  /**
   * Integer inputs used directly as embedding indices, with the number of rows of the table they
   * index: their values are checked when a request arrives (a bad token is the client's error,
   * not a kernel failure halfway through the program).
   */
  private static Map<String, Long> indexBounds(ModelProgram program) {
    Map<String, Long> rows = new java.util.HashMap<>();
    program.weights().forEach(w -> rows.put(w.name(), w.shape().isEmpty() ? 0 : w.shape().get(0)));
    java.util.Set<String> inputs = new java.util.HashSet<>();
    program.inputs().forEach(i -> inputs.add(i.name()));
    Map<String, Long> bounds = new java.util.HashMap<>(program.indexBounds());
    for (ModelProgram.Template t : program.lines()) {
      if (t instanceof ModelProgram.Call c && c.kernel().equals("aten.embedding.default")
          && c.args().size() >= 2 && inputs.contains(c.args().get(1))
          && rows.containsKey(c.args().get(0))) {
        bounds.merge(c.args().get(1), rows.get(c.args().get(0)), Math::min);
      }
    }
    return Map.copyOf(bounds);
  }

  /**
   * The dimension along which requests may be concatenated into one batch (the same in every
   * input and output), or null when the model has none (see {@code docs/model-format.md}).
   */
  public @org.jspecify.annotations.Nullable Integer batchDim() {
    return program.batchDim();
  }

  /** Inputs whose values index an embedding table, to the table's row count. */
  public Map<String, Long> indexBounds() {
    return indexBounds;
  }

  public String name() {
    return name;
  }

  public String version() {
    return version;
  }

  public ModelProgram program() {
    return program;
  }

  /** Weights by program name, already on the backend. */
  public Map<String, DeviceTensor> weights() {
    return weights;
  }

  /** Bytes the weights occupy. */
  public long weightBytes() {
    return weightBytes;
  }

  /** The program's compiled kernels, loaded; null when every call is an ATen operator. */
  public @org.jspecify.annotations.Nullable CompiledKernels nativeKernels() {
    return nativeKernels;
  }

  /** Where the model's files were read from (its folder, or the classpath for a built-in). */
  public ModelLoader.Source source() {
    return source;
  }

  /** The planner this model's requests are planned by. */
  public MemoryPlanner planner() {
    return planner;
  }

  /** The backend the weights live on and requests run on. */
  public Backend backend() {
    return backend;
  }

  /** The program bound to some values of its symbols, with its verified plan. */
  public record Planned(Map<String, Long> symbols, Graph graph, Plan plan) {}

  /**
   * The values of the program's symbols for inputs of {@code shapes}.
   *
   * @throws IllegalArgumentException when the shapes do not fit the signature
   */
  public Map<String, Long> symbolsFor(Map<String, long[]> shapes) {
    return ProgramBinder.symbolsFor(program, shapes);
  }

  /**
   * Binds the program to {@code symbols} and plans it; the plan is verified (by
   * {@link io.planline.plan.PlanDriver}) before it is used.
   */
  public Planned plan(Map<String, Long> symbols) {
    Graph graph = ProgramBinder.bind(program, symbols);
    return new Planned(symbols, graph, planner.plan(graph, options));
  }

  /** The output buffer of each output, paired with the output's name, in order. */
  public List<Map.Entry<String, String>> outputBuffers() {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    program.outputs().forEach(o -> out.add(Map.entry(o.buffer(), o.name())));
    return out;
  }

  /** Metadata: dynamic dimensions show as -1. */
  public ModelInfo info() {
    return info;
  }

  private ModelInfo describe() {
    List<TensorInfo> ins = new ArrayList<>();
    for (ModelProgram.TensorSpec in : program.inputs()) {
      List<Long> dims = new ArrayList<>();
      for (SizeExpr e : in.shape()) {
        dims.add(e.symbols().isEmpty() ? e.eval(Map.of()) : -1L);
      }
      ins.add(new TensorInfo(in.name(), in.dtype(), dims));
    }
    List<TensorInfo> outs = new ArrayList<>();
    Graph probe = ProgramBinder.bind(program, probeSymbols(2));
    Graph other = ProgramBinder.bind(program, probeSymbols(3));
    for (ModelProgram.OutputSpec o : program.outputs()) {
      outs.add(outputInfo(probe, other, o));
    }
    return new ModelInfo(name, version, planner.name(), ins, outs, program.inductorPools());
  }

  /**
   * Output shapes come from binding every symbol to two different values: a dimension that
   * changes with them is dynamic.
   */
  private static TensorInfo outputInfo(Graph probe, Graph other, ModelProgram.OutputSpec o) {
    var a = ProgramBinder.bufferOf(probe, o.buffer());
    var b = ProgramBinder.bufferOf(other, o.buffer());
    List<Long> dims = new ArrayList<>();
    for (int d = 0; d < a.shape().size(); d++) {
      dims.add(a.shape().get(d).equals(b.shape().get(d)) ? a.shape().get(d) : -1L);
    }
    return new TensorInfo(o.name(), a.dtype(), dims);
  }

  private Map<String, Long> probeSymbols(long value) {
    Map<String, Long> m = new java.util.LinkedHashMap<>();
    program.symbols().forEach(s -> m.put(s, value));
    return m;
  }
}
