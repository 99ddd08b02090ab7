package io.planline.model;

import io.planline.ir.Buffer;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.model.ModelProgram.Template;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Binds a {@link ModelProgram}'s dynamic dimensions to concrete values: reads them off the request's
 * input shapes, then evaluates every size and every symbolic kernel argument, giving a concrete
 * {@link Graph} that planners and the executor take as is. Plans are made per binding and cached by
 * the model.
 */
public final class ProgramBinder {

  private ProgramBinder() {}

  /**
   * The symbol values that {@code shapes} (input name to dims) imply.
   *
   * @throws IllegalArgumentException naming the input and dimension that do not fit the signature
   */
  public static Map<String, Long> symbolsFor(ModelProgram program, Map<String, long[]> shapes) {
    Map<String, Long> symbols = new LinkedHashMap<>();
    for (ModelProgram.TensorSpec in : program.inputs()) {
      long[] dims = shapes.get(in.name());
      if (dims == null) {
        throw new IllegalArgumentException("missing input '" + in.name() + "'");
      }
      if (dims.length != in.shape().size()) {
        throw new IllegalArgumentException("input '" + in.name() + "': expected " + in.shape().size()
            + " dimensions " + in.shape() + ", got " + dims.length);
      }
      for (int d = 0; d < dims.length; d++) {
        SizeExpr e = in.shape().get(d);
        String sym = e.asSymbol();
        if (dims[d] < 1) {
          throw new IllegalArgumentException("input '" + in.name() + "': dimension " + d
              + " must be at least 1, got " + dims[d]);
        }
        if (sym != null && !symbols.containsKey(sym)) {
          ModelProgram.Bound bound = program.bounds().get(sym);
          if (bound != null && (dims[d] < bound.min() || dims[d] > bound.max())) {
            throw new IllegalArgumentException("input '" + in.name() + "': dimension " + d
                + " is " + dims[d] + " but must be between " + bound.min() + " and "
                + (bound.max() == Long.MAX_VALUE ? "any size" : bound.max()));
          }
          symbols.put(sym, dims[d]);
        }
      }
    }
    for (ModelProgram.TensorSpec in : program.inputs()) {
      long[] dims = shapes.get(in.name());
      for (int d = 0; d < dims.length; d++) {
        long want = in.shape().get(d).eval(symbols);
        if (want != dims[d]) {
          throw new IllegalArgumentException("input '" + in.name() + "': dimension " + d
              + " must be " + want + " (shape " + in.shape() + "), got " + dims[d]);
        }
      }
    }
    return symbols;
  }

  /** The concrete graph of {@code program} under {@code symbols}. */
  public static Graph bind(ModelProgram program, Map<String, Long> symbols) {
    Map<String, Buffer> known = new HashMap<>();
    List<Buffer> inputs = new ArrayList<>();
    for (ModelProgram.TensorSpec in : program.inputs()) {
      Buffer b = contiguous(in.name(), in.dtype(), eval(in.shape(), symbols));
      known.put(b.name(), b);
      inputs.add(b);
    }
    for (ModelProgram.WeightSpec w : program.weights()) {
      Buffer b = contiguous(w.name(), w.dtype(), w.shape());
      if (w.stride() != null) { // a dense permutation (checked at read): the same storage size
        b = new Buffer(b.name(), b.device(), b.dtype(), b.shape(), w.stride(), b.bytes(),
            b.storageExpr(), b.aligned());
      }
      known.put(b.name(), b);
      inputs.add(b);
    }
    @org.jspecify.annotations.Nullable Pattern symbolToken = symbolPattern(symbols.keySet());
    Map<String, String> rootOf = new HashMap<>();
    List<WrapperLine> lines = new ArrayList<>(program.lines().size());
    for (Template t : program.lines()) {
      lines.add(bindLine(t, symbols, known, rootOf, symbolToken));
    }
    List<String> outputs = new ArrayList<>();
    for (ModelProgram.OutputSpec o : program.outputs()) {
      outputs.add(o.buffer());
      outputs.add(rootOf.getOrDefault(o.buffer(), o.buffer()));
    }
    return new Graph(program.source() + symbols, program.name(), inputs, outputs, Set.of(), lines,
        Map.of());
  }

  private static WrapperLine bindLine(Template t, Map<String, Long> symbols,
      Map<String, Buffer> known, Map<String, String> rootOf,
      @org.jspecify.annotations.Nullable Pattern symbolToken) {
    if (t instanceof ModelProgram.Alloc a) {
      long elements = a.storage().eval(symbols);
      Buffer b = new Buffer(a.name(), Device.parse(a.device()), a.dtype(), eval(a.shape(), symbols),
          eval(a.stride(), symbols), elements * a.dtype().itemSize(), Long.toString(elements),
          true);
      known.put(b.name(), b);
      return new WrapperLine.AllocateLine(b);
    }
    if (t instanceof ModelProgram.Call c) {
      List<String> args = new ArrayList<>(c.args().size());
      for (String arg : c.args()) {
        args.add(symbolToken == null ? arg : substitute(arg, symbols, symbolToken));
      }
      return new WrapperLine.KernelCallLine(c.kernel(), args, Device.CPU, c.outputs());
    }
    if (t instanceof ModelProgram.View v) {
      Buffer source = known.get(v.source());
      List<Long> shape = eval(v.shape(), symbols);
      List<Long> stride = eval(v.stride(), symbols);
      Buffer view = new Buffer(v.name(), source.device(), v.dtype(), shape, stride,
          source.bytes(), source.storageExpr(), true);
      known.put(view.name(), view);
      rootOf.put(v.name(), rootOf.getOrDefault(v.source(), v.source()));
      return new WrapperLine.ReinterpretLine(source, view, v.offset().eval(symbols));
    }
    if (t instanceof ModelProgram.Reuse r) {
      Buffer old = known.get(r.old());
      long elements = r.storage().eval(symbols);
      Buffer b = new Buffer(r.name(), old.device(), r.dtype(), eval(r.shape(), symbols),
          eval(r.stride(), symbols), elements * r.dtype().itemSize(), Long.toString(elements),
          true);
      known.put(b.name(), b);
      rootOf.put(r.name(), rootOf.getOrDefault(r.old(), r.old()));
      return new WrapperLine.ReuseLine(old, b, true);
    }
    ModelProgram.Free f = (ModelProgram.Free) t;
    return WrapperLine.FreeIfNotReusedLine.of(known.get(f.name()));
  }

  /** Replaces each symbolic expression inside a kernel argument by its value. */
  private static String substitute(String arg, Map<String, Long> symbols, Pattern symbolToken) {
    if (!symbolToken.matcher(arg).find()) {
      return arg;
    }
    if (arg.startsWith("[") && arg.endsWith("]")) {
      String[] parts = arg.substring(1, arg.length() - 1).split(",");
      StringBuilder out = new StringBuilder("[");
      for (int i = 0; i < parts.length; i++) {
        String p = parts[i].strip();
        out.append(i == 0 ? "" : ", ").append(symbolToken.matcher(p).find()
            ? Long.toString(SizeExpr.parse(p).eval(symbols)) : p);
      }
      return out.append(']').toString();
    }
    return Long.toString(SizeExpr.parse(arg).eval(symbols));
  }

  private static @org.jspecify.annotations.Nullable Pattern symbolPattern(Set<String> symbols) {
    if (symbols.isEmpty()) {
      return null;
    }
    StringBuilder alt = new StringBuilder();
    for (String s : symbols) {
      alt.append(alt.length() == 0 ? "" : "|").append(Pattern.quote(s));
    }
    return Pattern.compile("(?<![A-Za-z0-9_])(" + alt + ")(?![A-Za-z0-9_])");
  }

  private static List<Long> eval(List<SizeExpr> exprs, Map<String, Long> symbols) {
    List<Long> out = new ArrayList<>(exprs.size());
    for (SizeExpr e : exprs) {
      out.add(e.eval(symbols));
    }
    return out;
  }

  /**
   * The buffer {@code name} denotes in a bound graph (allocated, viewed, input or weight).
   *
   * @throws IllegalArgumentException when nothing in the graph is called {@code name}
   */
  public static Buffer bufferOf(Graph graph, String name) {
    Buffer b = buffersNamed(graph, Set.of(name)).get(name);
    if (b == null) {
      throw new IllegalArgumentException("no buffer '" + name + "' in " + graph.source());
    }
    return b;
  }

  /**
   * The buffers of a bound graph called one of {@code names}, in one pass over its lines (the
   * first that takes a name: an input, an allocation or a view); names nothing takes are absent.
   */
  public static Map<String, Buffer> buffersNamed(Graph graph, Set<String> names) {
    Map<String, Buffer> found = new HashMap<>();
    for (Buffer b : graph.inputs()) {
      if (names.contains(b.name())) {
        found.putIfAbsent(b.name(), b);
      }
    }
    for (WrapperLine l : graph.lines()) {
      if (found.size() == names.size()) {
        break;
      }
      Buffer b = l instanceof WrapperLine.AllocateLine a ? a.node()
          : l instanceof WrapperLine.ReinterpretLine v ? v.reusedAs()
          : l instanceof WrapperLine.ReuseLine r ? r.reusedAs() : null;
      if (b != null && names.contains(b.name())) {
        found.putIfAbsent(b.name(), b);
      }
    }
    return found;
  }

  /** A contiguous buffer of {@code shape}. */
  static Buffer contiguous(String name, io.planline.ir.DType dtype, List<Long> shape) {
    List<Long> stride = new ArrayList<>(shape.size());
    long elements = 1;
    for (int d = shape.size() - 1; d >= 0; d--) {
      stride.add(0, elements);
      elements *= shape.get(d);
    }
    return new Buffer(name, Device.CPU, dtype, shape, stride, elements * dtype.itemSize(),
        Long.toString(elements), true);
  }
}
