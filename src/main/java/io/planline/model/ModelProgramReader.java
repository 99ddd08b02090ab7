package io.planline.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.planline.io.ProgramFormatException;
import io.planline.ir.DType;
import io.planline.model.ModelProgram.Template;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;

/**
 * Reads {@code program.json} (format {@code planline-program}, versions 1 to 3; see
 * {@code docs/model-format.md}) into a {@link ModelProgram}, checking that every name a line uses
 * was defined before it and that every size parses, so a bad program fails at load time.
 */
public final class ModelProgramReader {

  /** The newest format version this build reads (it reads every one from 1). */
  public static final int VERSION = 3;

  private static final ObjectMapper JSON = new ObjectMapper();

  private ModelProgramReader() {}

  /** Reads a program from {@code in}; {@code file} names it in messages. */
  public static ModelProgram read(String file, InputStream in) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(in);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new ProgramFormatException(file, loc == null ? "" : "line " + loc.getLineNr()
          + ", column " + loc.getColumnNr(), "malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ProgramFormatException(file, "top level", "expected a JSON object");
    }
    if (!"planline-program".equals(root.path("format").asText())) {
      throw new ProgramFormatException(file, "field format", "expected \"planline-program\"");
    }
    int version = root.path("version").asInt(-1);
    if (version < 1 || version > VERSION) {
      throw new ProgramFormatException(file, "field version", "version " + version
          + " is not supported (this build reads versions 1 to " + VERSION + ")");
    }
    Fields f = new Fields(file, "");
    List<String> symbols = new ArrayList<>();
    root.path("symbols").forEach(s -> symbols.add(s.asText()));
    java.util.Map<String, ModelProgram.Bound> bounds = new java.util.LinkedHashMap<>();
    JsonNode b = root.path("symbol_bounds");
    for (String sym : symbols) {
      JsonNode r = b.path(sym);
      long min = r.path("min").canConvertToLong() ? r.get("min").asLong() : 1;
      long max = r.path("max").canConvertToLong() ? r.get("max").asLong() : Long.MAX_VALUE;
      try {
        bounds.put(sym, new ModelProgram.Bound(min, max));
      } catch (IllegalArgumentException e) {
        throw f.fail("symbol_bounds." + sym, e.getMessage());
      }
    }
    Set<String> defined = new HashSet<>();
    List<ModelProgram.TensorSpec> inputs = new ArrayList<>();
    JsonNode ins = f.array(root, "inputs");
    for (int i = 0; i < ins.size(); i++) {
      Fields at = f.at("inputs[" + i + "]");
      JsonNode n = ins.get(i);
      inputs.add(new ModelProgram.TensorSpec(at.name(n, defined), at.dtype(n),
          at.exprs(n, "shape", symbols)));
    }
    List<ModelProgram.WeightSpec> weights = WeightLayouts.read(f, f.array(root, "weights"),
        version, defined);
    ModelProgram.Compiled compiled = version >= 2 && root.has("compiled")
        ? CompiledReader.read(f.at("compiled"), root.get("compiled")) : null;
    List<Template> lines = new ArrayList<>();
    JsonNode ls = f.array(root, "lines");
    for (int i = 0; i < ls.size(); i++) {
      JsonNode n = ls.get(i);
      Fields at = f.at("lines[" + i + "] (" + n.path("kind").asText("?") + ")");
      if (version < 2 && "ReuseLine".equals(n.path("kind").asText())) {
        throw at.fail("kind", "ReuseLine needs format version 2");
      }
      Template t = line(at, n, symbols, defined);
      if (t instanceof ModelProgram.Call c && !c.isLibraryOperator()) {
        if (compiled == null || !compiled.signatures().containsKey(c.kernel())) {
          throw at.fail("kernel_name", "'" + c.kernel() + "' is neither an operator of "
              + "planline's kernel library nor a kernel of the program's compiled library");
        }
        checkCompiledCall(at, c, compiled.signatures().get(c.kernel()), symbols, defined);
      }
      lines.add(t);
    }
    List<ModelProgram.OutputSpec> outputs = new ArrayList<>();
    JsonNode outs = f.array(root, "outputs");
    for (int i = 0; i < outs.size(); i++) {
      Fields at = f.at("outputs[" + i + "]");
      String buffer = at.text(outs.get(i), "buffer");
      at.use(buffer, defined, "buffer");
      outputs.add(new ModelProgram.OutputSpec(at.text(outs.get(i), "name"), buffer));
    }
    java.util.Map<String, Long> indexBounds = new java.util.TreeMap<>();
    var ib = root.path("index_bounds").fields();
    while (ib.hasNext()) {
      var e = ib.next();
      f.use(e.getKey(), defined, "index_bounds");
      if (!e.getValue().canConvertToLong() || e.getValue().asLong() < 0) {
        throw f.fail("index_bounds." + e.getKey(), "expected a row count");
      }
      indexBounds.put(e.getKey(), e.getValue().asLong());
    }
    return new ModelProgram(file, root.path("name").asText(""), symbols, bounds, inputs, outputs,
        weights, lines, compiled, indexBounds, InductorPools.read(f, root),
        batchDim(f, root, inputs, symbols));
  }

  /**
   * The batch dimension: {@code batch_dim} as written (a dimension, or null for a model whose
   * requests cannot be concatenated), or where the field is absent, 0 when every input's first
   * dimension is one and the same symbol (a dynamic leading dimension is how exporters mark a
   * batch) and no other dimension of an input or a recorded output shape depends on it, else
   * none. A given dimension must be that same kind of dimension in every input, and the only
   * one that depends on the batch.
   */
  private static @org.jspecify.annotations.Nullable Integer batchDim(Fields f, JsonNode root,
      List<ModelProgram.TensorSpec> inputs, List<String> symbols) {
    JsonNode n = root.get("batch_dim");
    if (n != null && n.isNull()) {
      return null;
    }
    if (n != null && !(n.canConvertToInt() && n.isIntegralNumber() && n.asInt() >= 0)) {
      throw f.fail("batch_dim", "expected a dimension (an integer ≥ 0) or null, got " + n);
    }
    int dim = n == null ? 0 : n.asInt();
    String symbol = null;
    for (ModelProgram.TensorSpec in : inputs) {
      String s = dim < in.shape().size() ? in.shape().get(dim).asSymbol() : null;
      if (s == null || (symbol != null && !symbol.equals(s))) {
        if (n == null) {
          return null;
        }
        throw f.fail("batch_dim", "dimension " + dim + " of input '" + in.name() + "' "
            + in.shape() + " is not the batch symbol shared by every input");
      }
      symbol = s;
    }
    if (symbol == null) {
      return null;
    }
    String coupled = elsewhere(f, root, inputs, symbols, dim, symbol);
    if (coupled != null) {
      if (n == null) {
        return null;
      }
      throw f.fail("batch_dim", coupled + " depends on the batch symbol " + symbol
          + " outside dimension " + dim + ": merged requests' rows would mix there (write "
          + "\"batch_dim\": null)");
    }
    return dim;
  }

  /**
   * The input or output (as "input 'x' [s0, s0]") with a dimension other than {@code dim} that
   * depends on {@code symbol}, such as CLIP's [images, texts] scores from one batch of both, or
   * null. Outputs count where their shape is recorded.
   */
  private static @org.jspecify.annotations.Nullable String elsewhere(Fields f, JsonNode root,
      List<ModelProgram.TensorSpec> inputs, List<String> symbols, int dim, String symbol) {
    Map<String, List<SizeExpr>> shapes = new LinkedHashMap<>();
    for (ModelProgram.TensorSpec in : inputs) {
      shapes.put("input '" + in.name() + "'", in.shape());
    }
    JsonNode outs = root.path("outputs");
    for (int i = 0; i < outs.size(); i++) {
      if (outs.get(i).has("shape")) {
        shapes.put("output '" + outs.get(i).path("name").asText() + "'",
            f.at("outputs[" + i + "]").exprs(outs.get(i), "shape", symbols));
      }
    }
    for (Map.Entry<String, List<SizeExpr>> e : shapes.entrySet()) {
      for (int d = 0; d < e.getValue().size(); d++) {
        if (d != dim && e.getValue().get(d).symbols().contains(symbol)) {
          return e.getKey() + " " + e.getValue();
        }
      }
    }
    return null;
  }

  private static Template line(Fields at, JsonNode n, List<String> symbols, Set<String> defined) {
    String kind = at.text(n, "kind");
    return switch (kind) {
      case "AllocateLine" -> {
        JsonNode b = at.object(n, "node");
        Fields bt = at.at("node");
        String name = bt.name(b, defined);
        yield new ModelProgram.Alloc(name, b.path("device").asText("cpu"), bt.dtype(b),
            bt.exprs(b, "shape", symbols), bt.exprs(b, "stride", symbols),
            bt.expr(bt.text(b, "storage_expr"), "storage_expr", symbols));
      }
      case "KernelCallLine" -> {
        List<String> outs = new ArrayList<>();
        at.array(n, "outputs").forEach(o -> outs.add(o.asText()));
        for (String o : outs) {
          at.use(o, defined, "outputs");
        }
        List<String> args = new ArrayList<>();
        at.array(n, "call_args").forEach(a -> args.add(a.asText()));
        yield new ModelProgram.Call(at.text(n, "kernel_name"), outs, args);
      }
      case "ReinterpretLine" -> {
        String source = at.text(at.object(n, "node"), "name");
        at.use(source, defined, "node.name");
        JsonNode v = at.object(n, "reused_as");
        Fields vt = at.at("reused_as");
        String offset = n.has("offset") ? n.get("offset").asText() : "0";
        yield new ModelProgram.View(source, vt.name(v, defined), vt.dtype(v),
            vt.exprs(v, "shape", symbols), vt.exprs(v, "stride", symbols),
            at.expr(offset, "offset", symbols));
      }
      case "ReuseLine" -> {
        String old = at.text(at.object(n, "node"), "name");
        at.use(old, defined, "node.name");
        JsonNode b = at.object(n, "reused_as");
        Fields bt = at.at("reused_as");
        yield new ModelProgram.Reuse(old, bt.name(b, defined), bt.dtype(b),
            bt.exprs(b, "shape", symbols), bt.exprs(b, "stride", symbols),
            bt.expr(bt.text(b, "storage_expr"), "storage_expr", symbols));
      }
      case "FreeIfNotReusedLine" -> {
        String name = at.text(at.object(n, "node"), "name");
        at.use(name, defined, "node.name");
        yield new ModelProgram.Free(name);
      }
      default -> throw at.fail("kind", "unknown line kind '" + kind
          + "' (program files use AllocateLine, KernelCallLine, ReinterpretLine,"
          + " FreeIfNotReusedLine and, from version 2, ReuseLine)");
    };
  }

  /**
   * A compiled kernel gets exactly its parameters: a defined tensor for each pointer, a size
   * expression or number for each scalar (a native call with the wrong arguments would read or
   * write arbitrary memory, so this is checked here rather than trusted).
   */
  private static void checkCompiledCall(Fields at, ModelProgram.Call c,
      List<io.planline.kernel.NativeKernels.Param> params, List<String> symbols,
      Set<String> defined) {
    if (c.args().size() != params.size()) {
      throw at.fail("call_args", "kernel " + c.kernel() + " takes " + params.size()
          + " arguments " + params + ", the line passes " + c.args().size());
    }
    for (int i = 0; i < params.size(); i++) {
      String a = c.args().get(i);
      switch (params.get(i)) {
        case PTR -> at.use(a, defined, "call_args[" + i + "]");
        case I64, I32 -> at.expr(a, "call_args[" + i + "]", symbols);
        case F64, F32 -> {
          try {
            Double.parseDouble(a);
          } catch (NumberFormatException e) {
            throw at.fail("call_args[" + i + "]", "'" + a + "' is not a number");
          }
        }
        default -> throw new IllegalStateException("unhandled parameter kind");
      }
    }
  }

  /** A position in the file plus field readers that fail with it. */
  record Fields(String file, String path) {
    Fields at(String part) {
      return new Fields(file, path.isEmpty() ? part : path + ", " + part);
    }

    ProgramFormatException fail(String field, String problem) {
      return new ProgramFormatException(file, path + (field.isEmpty() ? "" : ", field " + field),
          problem);
    }

    String text(JsonNode n, String field) {
      JsonNode v = n.get(field);
      if (v == null || !v.isValueNode() || v.isNull()) {
        throw fail(field, v == null ? "missing" : "expected a value, found " + v.getNodeType());
      }
      return v.asText();
    }

    JsonNode array(JsonNode n, String field) {
      JsonNode v = n.get(field);
      if (v == null || !v.isArray()) {
        throw fail(field, v == null ? "missing" : "expected a list");
      }
      return v;
    }

    JsonNode object(JsonNode n, String field) {
      JsonNode v = n.get(field);
      if (v == null || !v.isObject()) {
        throw fail(field, v == null ? "missing" : "expected an object");
      }
      return v;
    }

    String name(JsonNode n, Set<String> defined) {
      String name = text(n, "name");
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw fail("name", "'" + name + "' is not an identifier");
      }
      if (!defined.add(name)) {
        throw fail("name", "'" + name + "' is defined twice");
      }
      return name;
    }

    void use(String name, Set<String> defined, String field) {
      if (!defined.contains(name)) {
        throw fail(field, "'" + name + "' is used before anything defines it");
      }
    }

    DType dtype(JsonNode n) {
      try {
        return DType.parse(text(n, "dtype"));
      } catch (IllegalArgumentException e) {
        throw fail("dtype", e.getMessage());
      }
    }

    List<SizeExpr> exprs(JsonNode n, String field, List<String> symbols) {
      List<SizeExpr> out = new ArrayList<>();
      for (JsonNode d : array(n, field)) {
        out.add(expr(d.asText(), field, symbols));
      }
      return out;
    }

    SizeExpr expr(String text, String field, List<String> symbols) {
      try {
        SizeExpr e = SizeExpr.parse(text);
        for (String s : e.symbols()) {
          if (!symbols.contains(s)) {
            throw fail(field, "'" + text + "' uses undeclared symbol " + s);
          }
        }
        return e;
      } catch (IllegalArgumentException e) {
        throw fail(field, e.getMessage());
      }
    }
  }
}
