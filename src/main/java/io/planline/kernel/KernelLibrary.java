package io.planline.kernel;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The CPU kernel library: binds a program's kernel calls to implementations when the program is
 * loaded, so an unknown operator or a malformed argument fails then, naming the operator, and
 * never halfway through a request. Matrix products and convolutions run on the library's own
 * fixed pool of worker threads (one per core).
 */
public final class KernelLibrary {

  private static final KernelLibrary CPU = new KernelLibrary(OpTable.cpu(), Parallel.shared());

  private final OpTable table;
  private final Parallel parallel;

  private KernelLibrary(OpTable table, Parallel parallel) {
    this.table = requireNonNull(table, "table");
    this.parallel = requireNonNull(parallel, "parallel");
  }

  /** The shared CPU library (float32 compute, one worker per available processor). */
  public static KernelLibrary cpu() {
    return CPU;
  }

  /** The ATen operator names this library implements, sorted. */
  public SortedSet<String> operators() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(table.all().keySet()));
  }

  /** Whether {@code kernelName} has an implementation here. */
  public boolean supports(String kernelName) {
    return table.get(kernelName) != null;
  }

  /**
   * Tells the library that {@code weight}'s memory holds a model's weight and stays unchanged
   * while the buffer lives, so products may keep a copy of it in a faster layout (oneDNN's
   * packed weights, {@link SmallProducts}' heap rows); the copy goes when the buffer does.
   */
  public void markWeight(Tensor weight) {
    SmallProducts.markConstant(weight);
    if (Dnnl.available()) {
      DnnlWeights.markConstant(weight);
    }
  }

  /** How many worker threads the matrix kernels use. */
  public int threads() {
    return parallel.threads();
  }

  /**
   * Parses and checks one kernel call and binds it to its implementation.
   *
   * @param kernelName the ATen overload, as {@code str(op)} prints it
   * @param callArgs every schema argument in order, as the program writes them
   * @param outputs the buffers the call writes, in the operator's return order
   * @throws UnknownOperatorException if no kernel implements {@code kernelName}
   * @throws KernelArgumentException if the arguments or outputs do not fit the operator
   */
  public PreparedKernel prepare(String kernelName, List<String> callArgs, List<String> outputs) {
    requireNonNull(kernelName, "kernelName");
    requireNonNull(callArgs, "callArgs");
    requireNonNull(outputs, "outputs");
    OpTable.OpDef def = table.get(kernelName);
    if (def == null) {
      throw new UnknownOperatorException(kernelName, table.all().keySet());
    }
    if (outputs.size() != def.outputs()) {
      throw new KernelArgumentException(kernelName, "expected " + def.outputs() + " output"
          + (def.outputs() == 1 ? "" : "s") + ", got " + outputs.size() + ": " + outputs);
    }
    for (String o : outputs) {
      if (o == null || !IntExpr.isName(o)) {
        throw new KernelArgumentException(kernelName, "output '" + o + "' is not a buffer name");
      }
    }
    CallArgs args = CallArgs.parse(kernelName, def.params(), callArgs);
    OpTable.Invocation inv;
    try {
      inv = def.binder().bind(args);
    } catch (IllegalArgumentException e) {
      throw new KernelArgumentException(kernelName, e.getMessage());
    }
    return new Bound(kernelName, args.tensorNames(), List.copyOf(outputs), inv, parallel);
  }

  /** A prepared call: the invocation plus the names it reads and writes. */
  private static final class Bound implements PreparedKernel {
    private final String name;
    private final List<String> inputs;
    private final List<String> outputs;
    private final OpTable.Invocation invocation;
    private final Parallel parallel;

    Bound(String name, List<String> inputs, List<String> outputs, OpTable.Invocation invocation,
        Parallel parallel) {
      this.name = name;
      this.inputs = List.copyOf(inputs);
      this.outputs = outputs;
      this.invocation = invocation;
      this.parallel = parallel;
    }

    @Override
    public String kernelName() {
      return name;
    }

    @Override
    public List<String> inputs() {
      return inputs;
    }

    @Override
    public List<String> outputs() {
      return outputs;
    }

    @Override
    public void run(Function<String, Tensor> tensors) {
      requireNonNull(tensors, "tensors");
      try {
        invocation.run(new Call(tensors, outputs, parallel));
      } catch (KernelException e) {
        throw e;
      } catch (RuntimeException e) {
        // shape, dtype and index problems surface as JDK exceptions deep in a kernel; give them
        // the operator's name and the call's outputs so the failing line can be found
        throw new KernelExecutionException(name, e.getMessage() + " (outputs " + outputs + ")", e);
      }
    }

    @Override
    public String toString() {
      return name + inputs + " -> " + outputs;
    }
  }
}
