package io.planline.io;

import static java.util.Objects.requireNonNull;

import io.planline.io.OutputCodeReader.InputSpec;
import io.planline.io.OutputCodeReader.SourceLine;
import io.planline.io.OutputNames.Binding;
import io.planline.io.OutputNames.Kind;
import io.planline.io.PyText.Call;
import io.planline.ir.Buffer;
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
  private static final Pattern GUARD =
      Pattern.compile("with torch\\.(\\w+)\\._DeviceGuard\\((\\d+)\\):");
  private static final Pattern BLOCK =
      Pattern.compile("(with|if|elif|else|for|while|try|except|finally)\\b.*:");
  private static final Pattern SUBSCRIPT = Pattern.compile("([A-Za-z_]\\w*)\\[[^\\]]*\\]");
  private static final Set<String> EXTERN_PREFIXES =
      Set.of("extern_kernels.", "torch.ops.", "aten.", "inductor_ops.", "_quantized.");

  private final String file;
  private final Map<String, InputSpec> inputSpecs;
  private final OutputNames names = new OutputNames();
  private final Map<String, Long> pools = new LinkedHashMap<>();
  private final MemoryStatements memory = new MemoryStatements(names, pools);
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
      try {
        statement(line.text(), line.indent());
      } catch (IllegalArgumentException e) {
        throw fail(e);
      }
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
      memory.reuse(code, chunk);
    } else if (comment.equals("alloc")) {
      memory.poolAlias(code, statementIndex(), chunk);
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
      memory.del(s.substring(4), chunk);
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
      // an extern kernel (mm, addmm, an aten *_out op) writing into a buffer the module owns
      Buffer out = memory.bound(call.keyword("out"), "out=").buffer();
      chunk.add(new WrapperLine.ExternKernelOutLine(out));
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
      memory.allocate(target, call, text, guardDevice(), statementIndex(), chunk);
    } else if (call != null && call.callee().equals("alloc_from_pool")) {
      memory.allocateFromPool(target, call, statementIndex(), chunk);
    } else if (call != null && call.callee().equals("reinterpret_tensor")
        && call.rest().isEmpty()) {
      memory.view(target, call, chunk);
    } else if (subscript.matches() && names.get(subscript.group(1)) != null) {
      memory.multiOutput(target, subscript.group(1), statementIndex(), chunk);
    } else if (call != null && EXTERN_PREFIXES.stream().anyMatch(call.callee()::startsWith)) {
      memory.externAlloc(target, defaultDevice(), statementIndex(), chunk);
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

  private void kernelCall(Call call) {
    String stream = call.keyword("stream");
    Device device = stream != null && streams.containsKey(stream) ? streams.get(stream) : null;
    if (device == null) {
      device = guardDevice();
    }
    List<String> args = call.args().stream()
        .filter(a -> !a.replace(" ", "").startsWith("stream=")).toList();
    String name = call.callee().substring(0, call.callee().length() - ".run".length());
    chunk.add(new WrapperLine.KernelCallLine(name, args, device));
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

  private @Nullable Device guardDevice() {
    for (Block b : blocks) {
      if (b.device() != null) {
        return b.device();
      }
    }
    return null;
  }

  /** Where extern results and unsized names live: the current device guard, else the CPU. */
  private Device defaultDevice() {
    Device d = guardDevice();
    return d == null ? Device.CPU : d;
  }

  private ProgramFormatException fail(IllegalArgumentException e) {
    return new ProgramFormatException(file, "line " + lineNo, e.getMessage(), e);
  }
}
