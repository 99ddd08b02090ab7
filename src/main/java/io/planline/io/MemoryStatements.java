package io.planline.io;

import static java.util.Objects.requireNonNull;

import io.planline.io.OutputNames.Binding;
import io.planline.io.OutputNames.Kind;
import io.planline.io.OutputNames.Storage;
import io.planline.io.PyText.Call;
import io.planline.ir.Buffer;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.WrapperLine;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The statements of a {@code call} body that allocate, reuse, view or delete memory, turned into
 * wrapper lines appended to {@code out}. Problems are thrown as {@link IllegalArgumentException};
 * {@link CallBodyReader} adds the file and line.
 */
final class MemoryStatements {

  private static final Pattern ASSIGN =
      Pattern.compile("([A-Za-z_]\\w*)\\s*=(?!=)\\s*(.*)");

  private final OutputNames names;
  private final Map<String, Long> pools;

  MemoryStatements(OutputNames names, Map<String, Long> pools) {
    this.names = requireNonNull(names, "names");
    this.pools = requireNonNull(pools, "pools");
  }

  /** {@code bufN = empty_strided_cuda(shape, stride, dtype)} and its spellings; also pools. */
  void allocate(String target, Call call, String text, @Nullable Device guard, int statement,
      List<WrapperLine> out) {
    List<String> args = call.positional();
    if (args.size() < 2) {
      throw new IllegalArgumentException(call.callee() + " needs a shape and a stride, found "
          + args.size() + " arguments");
    }
    String dtypeText = args.size() >= 3 ? args.get(2) : call.keyword("dtype");
    String kind = call.callee().substring("empty_strided".length());
    if (kind.equals("_p2p")) {
      throw new IllegalArgumentException("empty_strided_p2p (a symmetric-memory comm buffer) is "
          + "not supported");
    }
    Device device;
    if (kind.isEmpty()) {
      String d = call.keyword("device");
      device = d != null ? Device.parse(d.replace("'", "").replace("\"", ""))
          : guard != null ? guard : Device.CPU;
    } else {
      String type = kind.substring(1).replace("_pinned", "");
      int index = guard != null && guard.type().equals(type) ? guard.index() : 0;
      device = type.equals("cpu") ? Device.CPU : new Device(type, index);
    }
    Buffer b = layout(target, device, dtypeText, args.get(0), args.get(1));
    if (target.matches("pool\\d+")) {
      // Inductor names its pools pool0, pool1, ...; a pool is bytes to allocate from, no buffer
      if (!b.sized()) {
        throw new IllegalArgumentException("pool " + target + " has a symbolic size; only "
            + "static pools are supported");
      }
      pools.put(target, b.bytes());
      names.bind(target, Kind.POOL, b);
      out.add(new WrapperLine.TextLine(text));
      return;
    }
    names.allocate(b, null, -1, statement);
    out.add(new WrapperLine.AllocateLine(b));
  }

  /** {@code bufN = alloc_from_pool(poolM, offset, dtype, shape, stride)}. */
  void allocateFromPool(String target, Call call, int statement, List<WrapperLine> out) {
    List<String> args = call.positional();
    if (args.size() != 5) {
      throw new IllegalArgumentException("alloc_from_pool needs (pool, offset, dtype, shape, "
          + "stride), found " + args.size() + " arguments");
    }
    Binding pool = names.get(args.get(0));
    if (pool == null || pool.kind() != Kind.POOL) {
      throw new IllegalArgumentException("alloc_from_pool from '" + args.get(0)
          + "', which is not a pool defined earlier");
    }
    long offset = PyText.integer(args.get(1));
    Buffer b = layout(target, pool.buffer().device(), args.get(2), args.get(3), args.get(4));
    if (offset >= 0 && b.sized() && offset + b.bytes() > pool.buffer().bytes()) {
      throw new IllegalArgumentException(target + " at offset " + offset + " (" + b.bytes()
          + " bytes) overruns " + args.get(0) + " of " + pool.buffer().bytes() + " bytes");
    }
    names.allocate(b, args.get(0), offset, statement);
    out.add(new WrapperLine.AllocFromPoolLine(b, args.get(0), offset));
  }

  /** {@code bufX = bufY  # alloc}: the pool slot of {@code bufY} (or a whole pool) again. */
  void poolAlias(String code, int statement, List<WrapperLine> out) {
    Matcher m = ASSIGN.matcher(code);
    if (!m.matches() || !PyText.isIdentifier(m.group(2).trim())) {
      throw new IllegalArgumentException("expected 'bufX = bufY  # alloc', found '" + code + "'");
    }
    String target = m.group(1);
    String baseName = m.group(2).trim();
    Binding base = bound(baseName, "alloc alias of");
    String pool = base.kind() == Kind.POOL ? baseName : base.pool();
    if (pool == null) {
      throw new IllegalArgumentException("'" + code + "  # alloc' names " + baseName
          + ", which no alloc_from_pool allocated");
    }
    long offset = base.kind() == Kind.POOL ? 0 : base.offset();
    Buffer b = base.buffer().renamed(target);
    names.allocate(b, pool, offset, statement);
    out.add(new WrapperLine.AllocFromPoolLine(b, pool, offset));
  }

  /** {@code x = y; del y  # reuse}, {@code x = reinterpret_tensor(y, ...); del y  # reuse}. */
  void reuse(String code, List<WrapperLine> out) {
    List<String> parts = PyText.splitTopLevel(code, ';');
    Matcher m = ASSIGN.matcher(parts.isEmpty() ? "" : parts.get(0));
    if (!m.matches() || parts.size() > 2) {
      throw new IllegalArgumentException("expected 'x = y; del y  # reuse', found '" + code + "'");
    }
    String target = m.group(1);
    String rhs = m.group(2).trim();
    Call call = PyText.call(rhs);
    boolean view = call != null && call.callee().equals("reinterpret_tensor");
    String oldName = view ? first(call) : rhs;
    Binding old = bound(oldName, "reuse of");
    boolean deleteOld = parts.size() == 2;
    if (deleteOld && !parts.get(1).replaceAll("\\s+", " ").equals("del " + oldName)) {
      throw new IllegalArgumentException("a reuse of " + oldName + " may only delete " + oldName
          + ", found '" + parts.get(1) + "'");
    }
    Buffer renamed = view ? viewLayout(target, old.buffer(), call) : old.buffer().renamed(target);
    if (old.buffer().sized() && renamed.sized() && old.buffer().bytes() != renamed.bytes()) {
      throw new IllegalArgumentException("reuse of " + oldName + " (" + old.buffer().bytes()
          + " bytes) as " + target + " (" + renamed.bytes() + " bytes): sizes differ");
    }
    out.add(new WrapperLine.ReuseLine(old.buffer(), renamed, deleteOld));
    if (old.storage() != null) {
      names.alias(old, renamed, true);
    } else {
      names.bind(target, old.kind() == Kind.INPUT ? Kind.OTHER : old.kind(), renamed);
    }
  }

  /** {@code x = reinterpret_tensor(base, shape, stride, offset)}: a view of base's storage. */
  void view(String target, Call call, List<WrapperLine> out) {
    Binding base = bound(first(call), "view of");
    Buffer view = viewLayout(target, base.buffer(), call);
    out.add(new WrapperLine.ReinterpretLine(base.buffer(), view,
        Math.max(0, PyText.integer(call.positional().get(3)))));
    if (base.storage() != null) {
      names.alias(base, view, false);
    } else {
      names.bind(target, Kind.OTHER, view);
    }
  }

  /** {@code x = bufM[k]}: one result of a multi-output extern kernel, which owns its storage. */
  void multiOutput(String target, String result, int statement, List<WrapperLine> out) {
    Binding r = bound(result, "item of");
    if (r.storage() != null) {
      r.storage().multiOutput = true;
    }
    names.allocate(Buffer.unsized(target, r.buffer().device()), null, -1, statement);
    out.add(new WrapperLine.MultiOutputLine(target, result));
  }

  /** {@code x = extern_kernels.f(...)}: storage the extern kernel allocates, of unknown size. */
  void externAlloc(String target, Device device, int statement, List<WrapperLine> out) {
    Buffer b = Buffer.unsized(target, device);
    names.allocate(b, null, -1, statement);
    out.add(new WrapperLine.ExternKernelAllocLine(b));
  }

  /** {@code del a, b}: see {@link OutputCodeReader} for what each kind of name becomes. */
  void del(String list, List<WrapperLine> out) {
    for (String n : PyText.splitTopLevel(list, ',')) {
      Binding b = bound(n, "del of");
      Storage s = b.storage();
      switch (b.kind()) {
        case INPUT, OTHER -> out.add(new WrapperLine.FreeLine(b.buffer()));
        case POOL -> out.add(new WrapperLine.TextLine("del " + n));
        case STORAGE -> {
          if (s == null || s.pooled) {
            continue; // a pool storage ended after its last use: the pool owns its bytes
          }
          if (!s.ended && s.current.name().equals(n)) {
            s.ended = true;
            out.add(new WrapperLine.FreeIfNotReusedLine(b.buffer(), false, false, s.multiOutput));
          } else {
            out.add(new WrapperLine.FreeLine(b.buffer())); // an older name: the storage lives on
          }
        }
      }
    }
  }

  /** The binding of {@code name}; {@code what} starts the message when nothing defined it. */
  Binding bound(@Nullable String name, String what) {
    Binding b = name == null ? null : names.get(name.trim());
    if (b == null) {
      throw new IllegalArgumentException(what + " '" + name + "', which was never defined");
    }
    return b;
  }

  private static String first(Call call) {
    return call.positional().isEmpty() ? "" : call.positional().get(0);
  }

  /** The buffer a {@code reinterpret_tensor(base, shape, stride, offset)} call describes. */
  private static Buffer viewLayout(String target, Buffer base, Call call) {
    List<String> args = call.positional();
    if (args.size() != 4) {
      throw new IllegalArgumentException("reinterpret_tensor needs (base, shape, stride, offset),"
          + " found " + args.size() + " arguments");
    }
    if (PyText.integer(args.get(3)) < 0 && !PyText.isIdentifier(args.get(3))) {
      throw new IllegalArgumentException("reinterpret_tensor of " + args.get(0)
          + ": bad offset '" + args.get(3) + "'");
    }
    Buffer view = layout(target, base.device(),
        base.dtype() == null ? null : base.dtype().torchName(), args.get(1), args.get(2));
    // a view of a storage whose size is unknown says nothing about that storage's size
    return base.sized() ? view : Buffer.unsized(target, base.device());
  }

  /**
   * A buffer from a printed layout: storage elements {@code 1 + Σ (size-1)·stride}, 0 when a
   * dimension is 0 (Inductor's {@code compute_required_storage_length}); unsized when the dtype is
   * unknown or a size is symbolic.
   */
  static Buffer layout(String name, Device device, @Nullable String dtypeText, String shapeText,
      String strideText) {
    List<Long> shape;
    List<Long> stride;
    try {
      shape = PyText.sizes(shapeText);
      stride = PyText.sizes(strideText);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed layout of " + name + ": " + e.getMessage());
    }
    DType dtype = dtypeText == null ? null : DType.parse(dtypeText.trim());
    if (shape == null || stride == null) {
      return new Buffer(name, device, dtype, List.of(), List.of(), Buffer.UNKNOWN, shapeText, true);
    }
    if (shape.size() != stride.size()) {
      throw new IllegalArgumentException("malformed layout of " + name + ": shape " + shapeText
          + " has " + shape.size() + " dims but stride " + strideText + " has " + stride.size());
    }
    try {
      long elements = storageElements(shape, stride);
      long bytes = dtype == null ? Buffer.UNKNOWN : Math.multiplyExact(elements, dtype.itemSize());
      return new Buffer(name, device, dtype, shape, stride, bytes, Long.toString(elements), true);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("layout of " + name + " is too large: " + shapeText
          + " " + strideText);
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
}
