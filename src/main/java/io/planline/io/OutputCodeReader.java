package io.planline.io;

import static java.util.Objects.requireNonNull;

import io.planline.ir.Buffer;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.Program;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads the Python module that {@code torch.compile} writes ({@code wrapper_NN.py}) into the IR:
 * one {@link Graph} per {@code def call(self, args)} body, by reading its text (nothing is
 * evaluated).
 *
 * <p>Statements map to lines as follows:
 * <ul>
 *   <li>{@code bufN = empty_strided_cuda((shape), (stride), torch.float32)} (and {@code _cpu},
 *       {@code _xpu}, {@code _cpu_pinned}, generic {@code empty_strided(..., device=, dtype=)}):
 *       {@code AllocateLine}; storage elements {@code 1 + Σ (size-1)·stride} as Inductor computes
 *       them. {@code poolN = empty_strided_...(...)} instead defines a pool ({@link Graph#pools},
 *       its bytes from the same layout rule) and stays a {@code TextLine}.
 *   <li>{@code bufN = alloc_from_pool(poolM, offset, dtype, (shape), (stride))}:
 *       {@code AllocFromPoolLine}; {@code bufX = bufY  # alloc} (Inductor reusing the printed slot)
 *       is an {@code AllocFromPoolLine} at {@code bufY}'s pool and offset.
 *   <li>{@code x = y; del y  # reuse} and {@code x = reinterpret_tensor(y, ...); del y  # reuse}
 *       (the {@code del} may be absent): {@code ReuseLine}; storage sizes must agree. A plain
 *       {@code x = reinterpret_tensor(y, shape, stride, offset)}: {@code ReinterpretLine}.
 *   <li>{@code x = bufM[k]}: {@code MultiOutputLine}; {@code bufN = extern_kernels.f(...)},
 *       {@code torch.ops...}, {@code aten...}: {@code ExternKernelAllocLine} with an unsized buffer
 *       (the printed code states no dtype for it).
 *   <li>{@code f(..., out=bufN)}: {@code ExternKernelOutLine}; {@code k.run(..., stream=s)}:
 *       {@code KernelCallLine} (the stream argument dropped; device from {@code get_raw_stream}).
 *   <li>{@code del a, b}: {@code FreeLine} for graph inputs and other names (older names of a
 *       reused storage, views, plain values), {@code FreeIfNotReusedLine} for a storage deleted
 *       under its current name, a {@code TextLine} for a pool; names of pool storages add nothing.
 *   <li>{@code a, b = args}: graph inputs, sized from {@code assert_size_stride} in the body and
 *       {@code rand_strided} in the module's {@code get_args} (which alone gives the dtype);
 *       {@code return (...)}: graph outputs (a {@code reinterpret_tensor} names its base;
 *       {@code None} is skipped); {@code with torch.cuda._DeviceGuard(i):} enter/exit lines;
 *       comments: {@code CommentLine}; everything else: {@code TextLine}.
 * </ul>
 *
 * <p><b>Where storages end.</b> A storage's range must end where its last use is, or liveness
 * would keep it to the end of the graph. A storage deleted under its current name ends at that
 * {@code del}. Every other non-output storage ends right after the last statement that mentions
 * any of its names (its own, reuse names, view names; {@code del} and {@code # alloc} statements
 * are not uses): the reader inserts a {@code DeallocFromPoolLine} there for pool storages, whose
 * {@code del} Inductor only prints when the whole pool dies, and a {@code FreeIfNotReusedLine}
 * for other storages. Outputs never end.
 *
 * <p>Errors (a malformed layout, a {@code del} or reuse of a name never defined, a reuse that
 * changes the size, an allocation from an unknown pool or past its end, no {@code def call})
 * raise {@link ProgramFormatException} naming the file, the line and the problem.
 */
public final class OutputCodeReader {

  private static final Pattern CALL_DEF =
      Pattern.compile("(\\s*)def call\\(\\s*(?:self\\s*,\\s*)?args\\s*\\)\\s*(?:->.*)?:\\s*");
  private static final Pattern RAND_STRIDED =
      Pattern.compile("\\s*([A-Za-z_]\\w*) = (rand_strided\\(.*\\))\\s*");
  private static final Pattern SIZE_ASSERT = Pattern.compile("assert_size_stride\\((.*)\\)");

  private OutputCodeReader() {}

  /** One logical source line: its first physical line number, indentation and text. */
  record SourceLine(int number, int indent, String text) {}

  /** What the module says about a graph input (any part may be unknown). */
  record InputSpec(@Nullable Device device, @Nullable DType dtype, @Nullable List<Long> shape,
      @Nullable List<Long> stride) {
    /** The input as a buffer: sized when dtype, shape and stride are all known. */
    Buffer toBuffer(String name) {
      Device d = device == null ? Device.CUDA0 : device;
      if (shape == null || stride == null || shape.size() != stride.size()) {
        return Buffer.unsized(name, d);
      }
      long elements = MemoryStatements.storageElements(shape, stride);
      long bytes = dtype == null ? Buffer.UNKNOWN : elements * dtype.itemSize();
      return new Buffer(name, d, dtype, shape, stride, bytes, Long.toString(elements), true);
    }
  }

  /** Reads every {@code call} function of the module at {@code path}. */
  public static Program read(Path path) {
    requireNonNull(path, "path");
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ProgramFormatException(path.toString(), "", "cannot read: " + e.getMessage(), e);
    }
    return read(path.toString(), text);
  }

  /** Reads every {@code call} function of a module's text; {@code file} names it in messages. */
  public static Program read(String file, String text) {
    requireNonNull(file, "file");
    requireNonNull(text, "text");
    String[] physical = text.split("\r?\n", -1);
    Map<String, InputSpec> moduleSpecs = randStrided(file, physical);
    List<Graph> graphs = new ArrayList<>();
    for (int i = 0; i < physical.length; i++) {
      Matcher def = CALL_DEF.matcher(physical[i]);
      if (!def.matches()) {
        continue;
      }
      List<SourceLine> body = body(file, physical, i + 1, def.group(1).length());
      Map<String, InputSpec> specs = withSizeAsserts(file, body, moduleSpecs);
      String source = file + "#" + graphs.size();
      graphs.add(new CallBodyReader(file, specs).read(body, source, "call"));
    }
    if (graphs.isEmpty()) {
      throw new ProgramFormatException(file, "", "no 'def call(' function found: not Inductor "
          + "output code");
    }
    return new Program(file, graphs);
  }

  /**
   * The statements of the function whose {@code def} has indentation {@code defIndent}, starting at
   * index {@code from}; a statement whose brackets stay open continues on the next lines.
   *
   * @throws ProgramFormatException when the file ends inside the body: with a statement's
   *     brackets still open, or without the {@code return} every Inductor call ends with (a
   *     truncated file must not be planned as the part that survived)
   */
  private static List<SourceLine> body(String file, String[] physical, int from, int defIndent) {
    List<SourceLine> out = new ArrayList<>();
    boolean dedented = false;
    for (int i = from; i < physical.length; i++) {
      String line = physical[i];
      if (line.isBlank()) {
        continue;
      }
      int indent = indentOf(line);
      if (indent <= defIndent) {
        dedented = true;
        break;
      }
      StringBuilder text = new StringBuilder(line.trim());
      int start = i;
      while (PyText.openBrackets(text.toString()) > 0 && i + 1 < physical.length) {
        text.append(' ').append(physical[++i].trim());
      }
      if (PyText.openBrackets(text.toString()) > 0) {
        throw new ProgramFormatException(file, "line " + (start + 1), "unbalanced brackets:"
            + " the statement starting here is still open at the end of the file (truncated?)");
      }
      out.add(new SourceLine(start + 1, indent, text.toString()));
    }
    boolean returns = !out.isEmpty() && out.get(out.size() - 1).text().startsWith("return");
    if (!dedented && !returns) {
      throw new ProgramFormatException(file, "line " + from, "the file ends inside the body of"
          + " 'call' (defined here) before its return statement (truncated?)");
    }
    return out;
  }

  private static int indentOf(String line) {
    int n = 0;
    while (n < line.length() && (line.charAt(n) == ' ' || line.charAt(n) == '\t')) {
      n++;
    }
    return n;
  }

  /** The {@code argN = rand_strided(shape, stride, device=, dtype=)} lines of {@code get_args}. */
  private static Map<String, InputSpec> randStrided(String file, String[] physical) {
    Map<String, InputSpec> out = new HashMap<>();
    for (int i = 0; i < physical.length; i++) {
      Matcher m = RAND_STRIDED.matcher(physical[i]);
      PyText.Call call = m.matches() ? PyText.call(m.group(2)) : null;
      if (call == null || call.positional().size() < 2) {
        continue;
      }
      String where = "line " + (i + 1);
      try {
        String device = call.keyword("device");
        String dtype = call.keyword("dtype");
        out.put(m.group(1), new InputSpec(
            device == null ? null : Device.parse(device.replace("'", "").replace("\"", "")),
            dtype == null ? null : DType.parse(dtype),
            PyText.sizes(call.positional().get(0)), PyText.sizes(call.positional().get(1))));
      } catch (IllegalArgumentException e) {
        throw new ProgramFormatException(file, where, "bad rand_strided: " + e.getMessage());
      }
    }
    return out;
  }

  /** Adds the shapes and strides of {@code assert_size_stride(name, shape, stride)} lines. */
  private static Map<String, InputSpec> withSizeAsserts(String file, List<SourceLine> body,
      Map<String, InputSpec> specs) {
    Map<String, InputSpec> out = new HashMap<>(specs);
    for (SourceLine line : body) {
      Matcher m = SIZE_ASSERT.matcher(line.text());
      if (!m.matches()) {
        continue;
      }
      List<String> args = PyText.splitTopLevel(m.group(1), ',');
      if (args.size() < 3 || !PyText.isIdentifier(args.get(0))) {
        continue;
      }
      try {
        InputSpec old = out.get(args.get(0));
        out.put(args.get(0), new InputSpec(old == null ? null : old.device(),
            old == null ? null : old.dtype(), PyText.sizes(args.get(1)),
            PyText.sizes(args.get(2))));
      } catch (IllegalArgumentException e) {
        throw new ProgramFormatException(file, "line " + line.number(),
            "bad assert_size_stride: " + e.getMessage());
      }
    }
    return out;
  }
}
