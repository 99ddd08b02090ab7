package io.planline.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.planline.ir.Buffer;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.Program;
import io.planline.ir.WrapperLine;
import io.planline.ir.WrapperLine.AllocFromPoolLine;
import io.planline.ir.WrapperLine.AllocateLine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Inductor line dumps: the {@code lines.json} format of {@code shared/traces/README.md}, one
 * graph per record, taking each graph's {@code before} list (the lines as a planner receives them).
 *
 * <p>Everything is validated before a graph is returned; the first problem raises a
 * {@link ProgramFormatException} naming the file, graph, line and field. A program is returned whole
 * or not at all.
 */
public final class LineDumpReader {

  private static final ObjectMapper JSON = new ObjectMapper();

  private LineDumpReader() {}

  /** Reads every graph of the dump at {@code path}. */
  public static Program read(Path path) {
    try (InputStream in = Files.newInputStream(path)) {
      return read(path.toString(), in);
    } catch (IOException e) {
      throw new ProgramFormatException(path.toString(), "", "cannot read: " + e.getMessage(), e);
    }
  }

  /** Reads every graph of a dump from {@code in}; {@code file} names it in messages. */
  public static Program read(String file, InputStream in) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(in);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new ProgramFormatException(file,
          loc == null ? "" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr(),
          "malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isArray()) {
      throw new ProgramFormatException(file, "top level",
          "expected a JSON list of graphs, found " + (root == null ? "nothing" : root.getNodeType()));
    }
    List<Graph> graphs = new ArrayList<>();
    for (int g = 0; g < root.size(); g++) {
      graphs.add(readGraph(file, g, root.get(g)));
    }
    return new Program(file, graphs);
  }

  private static Graph readGraph(String file, int index, JsonNode g) {
    Where at = new Where(file, "graph " + index);
    if (!g.isObject()) {
      throw at.fail("", "expected an object, found " + g.getNodeType());
    }
    List<Buffer> inputs = new ArrayList<>();
    JsonNode in = at.array(g, "inputs");
    for (int i = 0; i < in.size(); i++) {
      inputs.add(buffer(at.sub("inputs[" + i + "]"), in.get(i)));
    }
    List<String> outputs = strings(at, g, "outputs");
    Set<String> removed = new HashSet<>(strings(at, g, "removed_buffers"));
    JsonNode before = at.array(g, "before");
    List<WrapperLine> lines = new ArrayList<>(before.size());
    for (int i = 0; i < before.size(); i++) {
      JsonNode l = before.get(i);
      Where lineAt = at.sub("before[" + i + "]" + (l.has("kind") ? " (" + l.get("kind").asText()
          + ")" : ""));
      lines.add(line(lineAt, l));
    }
    String name = g.hasNonNull("graph") ? g.get("graph").asText() : "";
    Graph graph = new Graph(file + "#" + index, name, inputs, outputs, removed, lines, Map.of());
    checkNames(at, graph);
    return graph;
  }

  private static WrapperLine line(Where at, JsonNode l) {
    if (!l.isObject()) {
      throw at.fail("", "expected an object, found " + l.getNodeType());
    }
    String kind = at.text(l, "kind");
    try {
      return switch (kind) {
        case "AllocateLine" -> new AllocateLine(buffer(at.sub("node"), at.object(l, "node")));
        case "FreeIfNotReusedLine" -> new WrapperLine.FreeIfNotReusedLine(
            buffer(at.sub("node"), at.object(l, "node")), flag(at, l, "is_reused"),
            flag(at, l, "aliases_output"), flag(at, l, "multi_output"));
        case "ReuseLine" -> new WrapperLine.ReuseLine(buffer(at.sub("node"), at.object(l, "node")),
            buffer(at.sub("reused_as"), at.object(l, "reused_as")),
            !l.has("delete_old") || flag(at, l, "delete_old"));
        case "NullLine" -> new WrapperLine.NullLine();
        case "ReinterpretLine" -> new WrapperLine.ReinterpretLine(
            buffer(at.sub("node"), at.object(l, "node")),
            buffer(at.sub("reused_as"), at.object(l, "reused_as")),
            l.has("offset") ? at.integer(l, "offset") : 0);
        case "FreeLine" -> new WrapperLine.FreeLine(buffer(at.sub("node"), at.object(l, "node")));
        case "KernelCallLine" -> new WrapperLine.KernelCallLine(at.text(l, "kernel_name"),
            strings(at, l, "call_args"),
            l.hasNonNull("device") ? device(at.sub("device"), l.get("device").asText()) : null);
        case "KernelDefinitionLine" -> new WrapperLine.KernelDefinitionLine(
            at.text(l, "kernel_name"));
        case "ExternKernelOutLine" -> new WrapperLine.ExternKernelOutLine(
            buffer(at.sub("node"), at.object(l, "node")));
        case "ExternKernelAllocLine" -> new WrapperLine.ExternKernelAllocLine(
            buffer(at.sub("node"), at.object(l, "node")));
        case "MultiOutputLine" -> new WrapperLine.MultiOutputLine(at.text(l, "result_name"),
            at.text(l, "arg_name"));
        case "CommentLine" -> new WrapperLine.CommentLine(l.path("text").asText(""));
        case "EnterSubgraphLine" -> new WrapperLine.EnterSubgraphLine(l.path("name").asText(""));
        case "ExitSubgraphLine" -> new WrapperLine.ExitSubgraphLine();
        case "EnterDeviceContextManagerLine" -> new WrapperLine.EnterDeviceContextManagerLine(
            (int) at.integer(l, "device_idx"));
        case "ExitDeviceContextManagerLine" -> new WrapperLine.ExitDeviceContextManagerLine();
        case "CommBufferAllocateLine" -> new WrapperLine.CommBufferAllocateLine(
            buffer(at.sub("node"), at.object(l, "node")), l.path("comm_buffer_type").asText(""),
            l.path("group").asText(""));
        case "CommBufferFreeLine" -> new WrapperLine.CommBufferFreeLine(
            buffer(at.sub("node"), at.object(l, "node")));
        case "UnbackedSymbolDefsLine" -> new WrapperLine.UnbackedSymbolDefsLine();
        case "AllocFromPoolLine" -> new AllocFromPoolLine(null, null, -1);
        case "DeallocFromPoolLine" -> new WrapperLine.DeallocFromPoolLine(null);
        case "Text" -> new WrapperLine.TextLine(at.text(l, "text"));
        default -> throw at.fail("kind", "unknown line kind '" + kind + "'");
      };
    } catch (IllegalArgumentException e) {
      throw at.fail("", e.getMessage());
    }
  }

  /**
   * The largest buffer a program file may declare: 256 TiB, beyond any device, and small enough
   * that sums, alignment and offsets over thousands of buffers stay far from 64-bit overflow.
   */
  static final long MAX_BYTES = 1L << 48;

  /** The problem of a size over {@link #MAX_BYTES}. */
  static String tooLarge(long bytes) {
    return "size " + bytes + " is over the largest planline plans, " + MAX_BYTES
        + " bytes (2^48)";
  }

  /** Reads a BUFFER object; one with a {@code note} instead of sizes is kept unsized. */
  static Buffer buffer(Where at, JsonNode b) {
    String name = at.text(b, "name");
    Device device = device(at.sub("device"), at.text(b, "device"));
    if (!b.has("bytes") && b.has("note")) {
      return Buffer.unsized(name, device);
    }
    DType dtype;
    try {
      dtype = DType.parse(at.text(b, "dtype"));
    } catch (IllegalArgumentException e) {
      throw at.fail("dtype", e.getMessage());
    }
    long bytes = at.integer(b, "bytes");
    if (bytes < 0) {
      throw at.fail("bytes", "negative size " + bytes);
    }
    if (bytes > MAX_BYTES) {
      throw at.fail("bytes", tooLarge(bytes));
    }
    List<Long> shape = longs(at, b, "shape");
    List<Long> stride = longs(at, b, "stride");
    String expr = b.hasNonNull("storage_expr") ? b.get("storage_expr").asText()
        : Long.toString(bytes / dtype.itemSize());
    boolean aligned = !b.has("aligned") || flag(at, b, "aligned");
    try {
      return new Buffer(name, device, dtype, shape, stride, bytes, expr, aligned);
    } catch (IllegalArgumentException e) {
      throw at.fail("", e.getMessage());
    }
  }

  private static Device device(Where at, String text) {
    try {
      return Device.parse(text);
    } catch (IllegalArgumentException e) {
      throw at.fail("", e.getMessage());
    }
  }

  private static boolean flag(Where at, JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isBoolean()) {
      throw at.fail(field, v == null ? "missing" : "expected true or false, found " + v);
    }
    return v.booleanValue();
  }

  private static List<String> strings(Where at, JsonNode n, String field) {
    JsonNode arr = at.array(n, field);
    List<String> out = new ArrayList<>(arr.size());
    for (JsonNode s : arr) {
      if (!s.isValueNode()) {
        throw at.fail(field, "expected a list of strings, found " + s.getNodeType());
      }
      out.add(s.asText());
    }
    return out;
  }

  private static List<Long> longs(Where at, JsonNode n, String field) {
    if (!n.has(field)) {
      return List.of();
    }
    JsonNode arr = at.array(n, field);
    List<Long> out = new ArrayList<>(arr.size());
    for (JsonNode s : arr) {
      if (!s.canConvertToLong()) {
        throw at.fail(field, "expected integers, found " + s);
      }
      out.add(s.asLong());
    }
    return out;
  }

  /**
   * Every buffer a memory line frees or reuses must have been introduced earlier: as an input, by
   * an allocation, an extern kernel, a multi-output line, a reuse, or a plain {@code name = ...}
   * text line (fallback kernels are written that way).
   */
  private static void checkNames(Where at, Graph graph) {
    Set<String> known = new LinkedHashSet<>();
    graph.inputs().forEach(b -> known.add(b.name()));
    List<WrapperLine> lines = graph.lines();
    for (int i = 0; i < lines.size(); i++) {
      WrapperLine l = lines.get(i);
      String freed = switch (l.kind()) {
        case ALLOCATE -> add(known, ((AllocateLine) l).node().name());
        case EXTERN_KERNEL_ALLOC -> add(known,
            ((WrapperLine.ExternKernelAllocLine) l).node().name());
        case EXTERN_KERNEL_OUT -> ((WrapperLine.ExternKernelOutLine) l).node().name();
        case MULTI_OUTPUT -> add(known, ((WrapperLine.MultiOutputLine) l).resultName());
        case COMM_BUFFER_ALLOCATE -> add(known,
            ((WrapperLine.CommBufferAllocateLine) l).node().name());
        case TEXT -> add(known, assignedName(((WrapperLine.TextLine) l).text()));
        case REUSE -> {
          var r = (WrapperLine.ReuseLine) l;
          known.add(r.reusedAs().name());
          yield r.node().name();
        }
        case REINTERPRET -> {
          var r = (WrapperLine.ReinterpretLine) l;
          known.add(r.reusedAs().name());
          yield r.node().name();
        }
        case FREE_IF_NOT_REUSED -> ((WrapperLine.FreeIfNotReusedLine) l).node().name();
        case FREE -> ((WrapperLine.FreeLine) l).node().name();
        case COMM_BUFFER_FREE -> ((WrapperLine.CommBufferFreeLine) l).node().name();
        case NULL, KERNEL_CALL, KERNEL_DEFINITION, COMMENT, ENTER_SUBGRAPH, EXIT_SUBGRAPH,
            ENTER_DEVICE_CONTEXT, EXIT_DEVICE_CONTEXT, UNBACKED_SYMBOL_DEFS, ALLOC_FROM_POOL,
            DEALLOC_FROM_POOL -> null;
      };
      if (freed != null && !known.contains(freed) && !graph.removedBuffers().contains(freed)) {
        throw at.sub("before[" + i + "] (" + l.getClass().getSimpleName() + ")")
            .fail("node.name", "buffer '" + freed + "' is used before anything defines it");
      }
    }
  }

  private static @org.jspecify.annotations.Nullable String add(Set<String> known,
      @org.jspecify.annotations.Nullable String name) {
    if (name != null) {
      known.add(name);
    }
    return null;
  }

  /** {@code buf12 = foo(...)} defines {@code buf12}; other text defines nothing. */
  private static @org.jspecify.annotations.Nullable String assignedName(String text) {
    int eq = text.indexOf(" = ");
    if (eq <= 0) {
      return null;
    }
    String lhs = text.substring(0, eq).trim();
    return lhs.matches("[A-Za-z_][A-Za-z0-9_]*") ? lhs : null;
  }

  /** A position in the file, for messages. */
  record Where(String file, String path) {
    Where sub(String part) {
      return new Where(file, path + ", " + part);
    }

    ProgramFormatException fail(String field, String problem) {
      return new ProgramFormatException(file, field.isEmpty() ? path : path + ", field " + field,
          problem);
    }

    String text(JsonNode n, String field) {
      JsonNode v = n.get(field);
      if (v == null || v.isNull()) {
        throw fail(field, "missing");
      }
      if (!v.isTextual()) {
        throw fail(field, "expected a string, found " + v.getNodeType());
      }
      return v.asText();
    }

    long integer(JsonNode n, String field) {
      JsonNode v = n.get(field);
      if (v == null || v.isNull()) {
        throw fail(field, "missing");
      }
      if (!v.isIntegralNumber()) {
        throw fail(field, "expected an integer, found " + v);
      }
      if (!v.canConvertToLong()) {
        // asLong would wrap 2^64 + n to n and plan it as n bytes.
        throw fail(field, v + " does not fit in a signed 64-bit integer");
      }
      return v.asLong();
    }

    JsonNode array(JsonNode n, String field) {
      JsonNode v = n.get(field);
      if (v == null || !v.isArray()) {
        throw fail(field, v == null ? "missing" : "expected a list, found " + v.getNodeType());
      }
      return v;
    }

    JsonNode object(JsonNode n, String field) {
      JsonNode v = n.get(field);
      if (v == null || !v.isObject()) {
        throw fail(field, v == null ? "missing" : "expected an object, found " + v.getNodeType());
      }
      return v;
    }
  }
}
