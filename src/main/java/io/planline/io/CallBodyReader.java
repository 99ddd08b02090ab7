package io.planline.io;

import static java.util.Objects.requireNonNull;

import io.planline.io.OutputCodeReader.InputSpec;
import io.planline.io.OutputCodeReader.SourceLine;
import io.planline.io.OutputNames.Binding;
import io.planline.io.OutputNames.Kind;
import io.planline.io.OutputNames.Storage;
import io.planline.io.PyText.Call;
import io.planline.ir.Buffer;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads the body of one {@code def call(self, args)} into a {@link Graph}, statement by statement;
 * see {@link OutputCodeReader} for the mapping. One instance reads one body.
 */
final class CallBodyReader {

  private static final Pattern ASSIGN =
      Pattern.compile("([A-Za-z_]\\w*(?:\\s*,\\s*[A-Za-z_]\\w*)*)\\s*,?\\s*=(?!=)\\s*(.*)");
  private static final Pattern GUARD = Pattern.compile("with torch\\.(\\w+)\\._DeviceGuard\\((\\d+)\\):");
  private static final Pattern BLOCK = Pattern.compile("(with|if|elif|else|for|while|try|except|finally)\\b.*:");
  private static final Pattern SUBSCRIPT = Pattern.compile("([A-Za-z_]\\w*)\\[[^\\]]*\\]");
  private static final Set<String> EXTERN_PREFIXES =
      Set.of("extern_kernels.", "torch.ops.", "aten.", "inductor_ops.", "_quantized.");

  private final String file;
  private final Map<String, InputSpec> inputSpecs;
  private final OutputNames names = new OutputNames();
  private final Map<String, Long> pools = new LinkedHashMap<>();
  private final Map<String, Device> streams = new HashMap<>();
  private final List<Buffer> inputs = new ArrayList<>();
  private final List<String> outputs = new ArrayList<>();
  /** Open blocks: indentation of the header, and the device of a device guard (else null). */
  private final Deque<Block> blocks = new ArrayDeque<>();
  /** One list of lines per statement (logical source line), in order. */
  private final List<List<WrapperLine>> chunks = new ArrayList<>();
  private List<WrapperLine> chunk = new ArrayList<>();
  private int lineNo;

  private record Block(int indent, @Nullable Device device) {}

  CallBodyReader(String file, Map<String, InputSpec> inputSpecs) {
    this.file = requireNonNull(file, "file");
    this.inputSpecs = requireNonNull(inputSpecs, "inputSpecs");
  }

  /** Reads {@code body} (the function's statements, in order) into a graph. */
  Graph read(List<SourceLine> body, String source, String name) {
    for (SourceLine line : body) {
      lineNo = line.number();
      chunk = new ArrayList<>();
      while (!blocks.isEmpty() && line.indent() <= blocks.peek().indent()) {
        closeBlock();
      }
      statement(line.text(), line.indent());
      chunks.add(chunk);
    }
    chunk = new ArrayList<>();
    while (!blocks.isEmpty()) {
      closeBlock();
    }
    chunks.add(chunk);
    List<WrapperLine> lines = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      lines.addAll(chunks.get(i));
      lines.addAll(names.endsAfter(i));
    }
    return new Graph(source, name, inputs, outputs, Set.of(), lines, pools);
  }

  private void closeBlock() {
    if (blocks.pop().device() != null) {
      chunk.add(new WrapperLine.ExitDeviceContextManagerLine());
    }
  }

  private int statementIndex() {
    return chunks.size();
  }

  private void statement(String text, int indent) {
    int hash = PyText.commentStart(text);
    String code = (hash < 0 ? text : text.substring(0, hash)).trim();
    String comment = hash < 0 ? "" : text.substring(hash + 1).trim();
    if (code.isEmpty()) {
      if (!comment.isEmpty()) {
        chunk.add(new WrapperLine.CommentLine(comment));
      }
      return;
    }
    if (comment.equals("reuse")) {
      reuse(code);
    } else if (comment.equals("alloc")) {
      poolAlias(code);
      return; // naming the slot again is not a use of the buffer first allocated there
    } else {
      for (String part : PyText.splitTopLevel(code, ';')) {
        simple(part, indent);
      }
    }
    if (!code.startsWith("del ")) {
      PyText.names(code).forEach(n -> names.use(n, statementIndex()));
    }
  }

  private void simple(String s, int indent) {
    Matcher guard = GUARD.matcher(s);
    if (guard.matches()) {
      int index = Integer.parseInt(guard.group(2));
      blocks.push(new Block(indent, new Device(guard.group(1), index)));
      chunk.add(new WrapperLine.EnterDeviceContextManagerLine(index));
      return;
    }
    if (BLOCK.matcher(s).matches()) {
      blocks.push(new Block(indent, null));
      chunk.add(new WrapperLine.TextLine(s));
      return;
    }
    if (s.startsWith("del ")) {
      del(s.substring(4));
      return;
    }
    if (s.startsWith("return")) {
      returns(s.substring(6).trim());
      chunk.add(new WrapperLine.TextLine(s));
      return;
    }
    Matcher assign = ASSIGN.matcher(s);
    if (assign.matches()) {
      assignment(assign.group(1), assign.group(2).trim(), s);
      return;
    }
    Call call = PyText.call(s);
    if (call != null && call.callee().endsWith(".run") && call.rest().isEmpty()) {
      kernelCall(call);
    } else if (call != null && call.keyword("out") != null) {
      chunk.add(new WrapperLine.ExternKernelOutLine(bound(call.keyword("out"), "out=").buffer()));
    } else {
      chunk.add(new WrapperLine.TextLine(s));
    }
  }

  private void assignment(String lhs, String rhs, String text) {
    List<String> targets = PyText.splitTopLevel(lhs, ',');
    if (targets.size() > 1 || lhs.trim().endsWith(",")) {
      if (rhs.equals("args")) {
        targets.forEach(this::input);
      } else {
        targets.forEach(t -> names.bind(t, Kind.OTHER, Buffer.unsized(t, defaultDevice())));
      }
      chunk.add(new WrapperLine.TextLine(text));
      return;
    }
    String target = targets.get(0);
    Call call = PyText.call(rhs);
    Matcher subscript = SUBSCRIPT.matcher(rhs);
    if (call != null && call.callee().startsWith("empty_strided")) {
      allocation(target, call, text);
    } else if (call != null && call.callee().equals("alloc_from_pool")) {
      poolAllocation(target, call);
    } else if (call != null && call.callee().equals("reinterpret_tensor") && call.rest().isEmpty()) {
      Binding base = bound(call.positional().isEmpty() ? "" : call.positional().get(0), "view of");
      Buffer view = viewBuffer(target, base.buffer(), call);
      long offset = PyText.integer(call.positional().get(3));
      chunk.add(new WrapperLine.ReinterpretLine(base.buffer(), view, Math.max(0, offset)));
      if (base.storage() != null) {
        names.alias(base, view, false);
      } else {
        names.bind(target, Kind.OTHER, view);
      }
    } else if (subscript.matches() && names.get(subscript.group(1)) != null) {
      Binding result = bound(subscript.group(1), "item of");
      if (result.storage() != null) {
        result.storage().multiOutput = true;
      }
      names.allocate(Buffer.unsized(target, result.buffer().device()), null, -1, statementIndex());
      chunk.add(new WrapperLine.MultiOutputLine(target, subscript.group(1)));
    } else if (call != null && EXTERN_PREFIXES.stream().anyMatch(call.callee()::startsWith)) {
      Buffer b = Buffer.unsized(target, defaultDevice());
      names.allocate(b, null, -1, statementIndex());
      chunk.add(new WrapperLine.ExternKernelAllocLine(b));
    } else {
      if (call != null && call.callee().equals("get_raw_stream") && call.args().size() == 1
          && PyText.integer(call.args().get(0)) >= 0) {
        streams.put(target, new Device("cuda", (int) PyText.integer(call.args().get(0))));
      }
      names.bind(target, Kind.OTHER, Buffer.unsized(target, defaultDevice()));
      chunk.add(new WrapperLine.TextLine(text));
    }
  }

  private void input(String name) {
    InputSpec spec = inputSpecs.get(name);
    Buffer b = spec == null ? Buffer.unsized(name, defaultDevice()) : spec.toBuffer(name);
    inputs.add(b);
    names.bind(name, Kind.INPUT, b);
  }

  /** {@code bufN = empty_strided_cuda(shape, stride, dtype)} and its spellings; also pools. */
  private void allocation(String target, Call call, String text) {
    List<String> args = call.positional();
    String kind = call.callee().substring("empty_strided".length());
    if (args.size() < 2) {
      throw fail(call.callee() + " needs a shape and a stride, found " + args.size() + " arguments");
    }
    String dtypeText = args.size() >= 3 ? args.get(2) : call.keyword("dtype");
    Device device;
    if (kind.isEmpty()) {
      String d = call.keyword("device");
      device = d == null ? defaultDevice() : parseDevice(d.replace("'", "").replace("\"", ""));
    } else {
      String type = kind.substring(1).replace("_pinned", "");
      device = type.equals("cpu") ? Device.CPU : new Device(type, guardIndex(type));
    }
    Buffer b = layoutBuffer(target, device, dtypeText, args.get(0), args.get(1));
    if (target.matches("pool\\d+")) {
      if (!b.sized()) {
        throw fail("pool " + target + " has a symbolic size; only static pools are supported");
      }
      pools.put(target, b.bytes());
      names.bind(target, Kind.POOL, b);
      chunk.add(new WrapperLine.TextLine(text));
      return;
    }
    names.allocate(b, null, -1, statementIndex());
    chunk.add(new WrapperLine.AllocateLine(b));
  }

  /** {@code bufN = alloc_from_pool(poolM, offset, dtype, shape, stride)}. */
  private void poolAllocation(String target, Call call) {
    List<String> args = call.positional();
    if (args.size() != 5) {
      throw fail("alloc_from_pool needs (pool, offset, dtype, shape, stride), found "
          + args.size() + " arguments");
    }
    Binding pool = names.get(args.get(0));
    if (pool == null || pool.kind() != Kind.POOL) {
      throw fail("alloc_from_pool from '" + args.get(0) + "', which is not a pool defined earlier");
    }
    long offset = PyText.integer(args.get(1));
    Buffer b = layoutBuffer(target, pool.buffer().device(), args.get(2), args.get(3), args.get(4));
    if (offset >= 0 && b.sized() && offset + b.bytes() > pool.buffer().bytes()) {
      throw fail(target + " at offset " + offset + " (" + b.bytes() + " bytes) overruns "
          + args.get(0) + " of " + pool.buffer().bytes() + " bytes");
    }
    names.allocate(b, args.get(0), offset, statementIndex());
    chunk.add(new WrapperLine.AllocFromPoolLine(b, args.get(0), offset));
  }

  /** {@code bufX = bufY  # alloc}: the pool slot of {@code bufY} (or a whole pool) again. */
  private void poolAlias(String code) {
    Matcher m = ASSIGN.matcher(code);
    if (!m.matches() || !PyText.isIdentifier(m.group(1)) || !PyText.isIdentifier(m.group(2).trim())) {
      throw fail("expected 'bufX = bufY  # alloc', found '" + code + "'");
    }
    String target = m.group(1);
    Binding base = bound(m.group(2).trim(), "alloc alias of");
    if (base.kind() == Kind.POOL) {
      Buffer b = base.buffer().renamed(target);
      names.allocate(b, m.group(2).trim(), 0, statementIndex());
      chunk.add(new WrapperLine.AllocFromPoolLine(b, m.group(2).trim(), 0));
    } else if (base.pool() != null) {
      Buffer b = base.buffer().renamed(target);
      names.allocate(b, base.pool(), base.offset(), statementIndex());
      chunk.add(new WrapperLine.AllocFromPoolLine(b, base.pool(), base.offset()));
    } else {
      throw fail("'" + code + "  # alloc' names " + m.group(2).trim()
          + ", which no alloc_from_pool allocated");
    }
  }

  /** {@code x = y; del y  # reuse}, {@code x = reinterpret_tensor(y, ...); del y  # reuse}. */
  private void reuse(String code) {
    List<String> parts = PyText.splitTopLevel(code, ';');
    Matcher m = ASSIGN.matcher(parts.isEmpty() ? "" : parts.get(0));
    if (!m.matches() || !PyText.isIdentifier(m.group(1)) || parts.size() > 2) {
      throw fail("expected 'x = y; del y  # reuse', found '" + code + "'");
    }
    String target = m.group(1);
    String rhs = m.group(2).trim();
    Call call = PyText.call(rhs);
    boolean view = call != null && call.callee().equals("reinterpret_tensor");
    String oldName = view ? (call.positional().isEmpty() ? "" : call.positional().get(0)) : rhs;
    Binding old = bound(oldName, "reuse of");
    boolean deleteOld = parts.size() == 2;
    if (deleteOld && !parts.get(1).replaceAll("\\s+", " ").equals("del " + oldName)) {
      throw fail("a reuse of " + oldName + " may only delete " + oldName + ", found '"
          + parts.get(1) + "'");
    }
    Buffer renamed = view ? viewBuffer(target, old.buffer(), call) : old.buffer().renamed(target);
    if (old.buffer().sized() && renamed.sized() && old.buffer().bytes() != renamed.bytes()) {
      throw fail("reuse of " + oldName + " (" + old.buffer().bytes() + " bytes) as " + target + " ("
          + renamed.bytes() + " bytes): sizes differ");
    }
    if (old.buffer().sized() && !renamed.sized()) {
      renamed = old.buffer().renamed(target);
    }
    chunk.add(new WrapperLine.ReuseLine(old.buffer(), renamed, deleteOld));
    if (old.storage() != null) {
      names.alias(old, renamed, true);
    } else {
      names.bind(target, old.kind() == Kind.INPUT ? Kind.OTHER : old.kind(), renamed);
    }
  }

  private void kernelCall(Call call) {
    String stream = call.keyword("stream");
    Device device = stream != null && streams.containsKey(stream) ? streams.get(stream) : null;
    if (device == null && !blocks.isEmpty() && guardDevice() != null) {
      device = guardDevice();
    }
    List<String> args = call.args().stream()
        .filter(a -> !a.replace(" ", "").startsWith("stream=")).toList();
    String name = call.callee().substring(0, call.callee().length() - ".run".length());
    chunk.add(new WrapperLine.KernelCallLine(name, args, device));
  }

  /** {@code del a, b}: see {@link OutputCodeReader} for what each kind of name becomes. */
  private void del(String list) {
    for (String n : PyText.splitTopLevel(list, ',')) {
      Binding b = names.get(n);
      if (b == null) {
        throw fail("del of '" + n + "', which was never defined");
      }
      Storage s = b.storage();
      switch (b.kind()) {
        case INPUT -> chunk.add(new WrapperLine.FreeLine(b.buffer()));
        case POOL -> chunk.add(new WrapperLine.TextLine("del " + n));
        case STORAGE -> {
          if (s != null && s.pooled) {
            continue; // ended after its last use: the pool owns the bytes
          }
          if (s != null && !s.ended && s.current.name().equals(n)) {
            s.ended = true;
            chunk.add(new WrapperLine.FreeIfNotReusedLine(b.buffer(), false, false, s.multiOutput));
          } else {
            chunk.add(new WrapperLine.FreeLine(b.buffer()));
          }
        }
        case OTHER -> chunk.add(new WrapperLine.FreeLine(b.buffer()));
      }
    }
  }

  private void returns(String tuple) {
    String t = tuple.trim();
    if (t.startsWith("(") && PyText.matching(t, 0) == t.length() - 1) {
      t = t.substring(1, t.length() - 1);
    }
    for (String item : PyText.splitTopLevel(t, ',')) {
      Call call = PyText.call(item);
      String name = call != null && call.callee().equals("reinterpret_tensor")
          && !call.positional().isEmpty() ? call.positional().get(0) : item;
      if (!PyText.isIdentifier(name) || name.equals("None")) {
        continue;
      }
      outputs.add(name);
      Binding b = names.get(name);
      if (b != null && b.storage() != null) {
        b.storage().output = true;
      }
    }
  }

  /** The buffer a {@code reinterpret_tensor(base, shape, stride, offset)} call describes. */
  private Buffer viewBuffer(String target, Buffer base, Call call) {
    List<String> args = call.positional();
    if (args.size() != 4) {
      throw fail("reinterpret_tensor needs (base, shape, stride, offset), found " + args.size()
          + " arguments");
    }
    if (PyText.integer(args.get(3)) < 0 && !PyText.isIdentifier(args.get(3))) {
      throw fail("reinterpret_tensor of " + args.get(0) + ": bad offset '" + args.get(3) + "'");
    }
    String dtype = base.dtype() == null ? null : base.dtype().torchName();
    return layoutBuffer(target, base.device(), dtype, args.get(1), args.get(2));
  }

  /**
   * A buffer from a layout: storage elements {@code 1 + Σ (size-1)·stride} (0 when a dimension
   * is 0), as Inductor's {@code compute_required_storage_length}; unsized when the dtype is
   * unknown or a size is symbolic.
   */
  private Buffer layoutBuffer(String name, Device device, @Nullable String dtypeText,
      String shapeText, String strideText) {
    List<Long> shape;
    List<Long> stride;
    try {
      shape = PyText.sizes(shapeText);
      stride = PyText.sizes(strideText);
    } catch (IllegalArgumentException e) {
      throw fail("malformed layout of " + name + ": " + e.getMessage());
    }
    DType dtype = null;
    if (dtypeText != null) {
      try {
        dtype = DType.parse(dtypeText.trim());
      } catch (IllegalArgumentException e) {
        throw fail(name + ": " + e.getMessage());
      }
    }
    if (shape == null || stride == null) {
      return new Buffer(name, device, dtype, List.of(), List.of(), Buffer.UNKNOWN, shapeText, true);
    }
    if (shape.size() != stride.size()) {
      throw fail("malformed layout of " + name + ": shape " + shapeText + " has " + shape.size()
          + " dims but stride " + strideText + " has " + stride.size());
    }
    try {
      long elements = storageElements(shape, stride);
      long bytes = dtype == null ? Buffer.UNKNOWN : Math.multiplyExact(elements, dtype.itemSize());
      return new Buffer(name, device, dtype, shape, stride, bytes, Long.toString(elements), true);
    } catch (ArithmeticException e) {
      throw fail("layout of " + name + " is too large: " + shapeText + " " + strideText);
    }
  }

  /** Elements a layout spans, as Inductor's {@code compute_required_storage_length}. */
  static long storageElements(List<Long> shape, List<Long> stride) {
    long last = 0;
    for (int i = 0; i < shape.size(); i++) {
      if (shape.get(i) == 0) {
        return 0;
      }
      last = Math.addExact(last, Math.multiplyExact(shape.get(i) - 1, stride.get(i)));
    }
    return Math.addExact(last, 1);
  }

  private Binding bound(@Nullable String name, String what) {
    Binding b = name == null ? null : names.get(name.trim());
    if (b == null) {
      throw fail(what + " '" + name + "', which was never defined");
    }
    return b;
  }

  private @Nullable Device guardDevice() {
    for (Block b : blocks) {
      if (b.device() != null) {
        return b.device();
      }
    }
    return null;
  }

  private int guardIndex(String type) {
    Device d = guardDevice();
    return d != null && d.type().equals(type) ? d.index() : 0;
  }

  /** Where extern results and unsized names live: the current device guard, else the CPU. */
  private Device defaultDevice() {
    Device d = guardDevice();
    return d == null ? Device.CPU : d;
  }

  private Device parseDevice(String text) {
    try {
      return Device.parse(text);
    } catch (IllegalArgumentException e) {
      throw fail(e.getMessage());
    }
  }

  private ProgramFormatException fail(String problem) {
    return new ProgramFormatException(file, "line " + lineNo, problem);
  }
}
