package io.planline.io;

import static java.util.Objects.requireNonNull;

import io.planline.ir.Buffer;
import io.planline.ir.WrapperLine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What each name of a {@code call} body stands for while {@link CallBodyReader} reads it: a graph
 * input, a pool, a storage the module allocated (under its current name, an older name, or a view
 * name), or something else (a stream, a value written as plain text).
 *
 * <p>It also remembers, per storage, the last statement that used it, so that storages the module
 * never deletes get an explicit end (see {@link #endsAfter}).
 */
final class OutputNames {

  /** What a name is bound to. */
  enum Kind { INPUT, POOL, STORAGE, OTHER }

  /** One storage the module allocated: memory whose end the graph must show. */
  static final class Storage {
    final boolean pooled;
    Buffer current;
    boolean ended;
    boolean output;
    boolean multiOutput;
    int lastUse;

    Storage(Buffer buffer, boolean pooled, int firstUse) {
      this.current = buffer;
      this.pooled = pooled;
      this.lastUse = firstUse;
    }
  }

  /**
   * A name's binding: its kind, the buffer it names (its own layout), the storage behind it for
   * {@code STORAGE}, and for pool allocations the pool and byte offset.
   */
  record Binding(Kind kind, Buffer buffer, @Nullable Storage storage, @Nullable String pool,
      long offset) {
    Binding {
      requireNonNull(kind, "kind");
      requireNonNull(buffer, "buffer");
    }
  }

  private final Map<String, Binding> names = new HashMap<>();
  private final List<Storage> storages = new ArrayList<>();

  /** The binding of {@code name}, or null when nothing defined it. */
  @Nullable Binding get(String name) {
    return names.get(name);
  }

  /** Binds a graph input, a pool, or a name of no interest to memory. */
  void bind(String name, Kind kind, Buffer buffer) {
    names.put(name, new Binding(kind, buffer, null, null, -1));
  }

  /** Starts a storage named {@code buffer.name()} at statement {@code statement}. */
  Storage allocate(Buffer buffer, @Nullable String pool, long offset, int statement) {
    Storage s = new Storage(buffer, pool != null, statement);
    storages.add(s);
    names.put(buffer.name(), new Binding(Kind.STORAGE, buffer, s, pool, offset));
    return s;
  }

  /**
   * Makes {@code buffer.name()} another name of {@code base}'s storage; when {@code rename} the
   * storage now goes by it (an in-place reuse), otherwise it is only a view.
   */
  void alias(Binding base, Buffer buffer, boolean rename) {
    Storage s = requireNonNull(base.storage(), "storage");
    names.put(buffer.name(), new Binding(Kind.STORAGE, buffer, s, base.pool(), base.offset()));
    if (rename) {
      s.current = buffer;
    }
  }

  /** Records that statement {@code statement} uses {@code name} (no-op for non-storages). */
  void use(String name, int statement) {
    Binding b = names.get(name);
    if (b != null && b.storage() != null) {
      b.storage().lastUse = Math.max(b.storage().lastUse, statement);
    }
  }

  /**
   * The lines that end storages whose last use is statement {@code statement} and that nothing
   * else ends: a {@code DeallocFromPoolLine} for pool storages (the pool, not a {@code del}, owns
   * their bytes, and Inductor planned other buffers into them right after their last use), a
   * {@code FreeIfNotReusedLine} for other storages the module never deletes. Outputs never end.
   */
  List<WrapperLine> endsAfter(int statement) {
    List<WrapperLine> out = new ArrayList<>();
    for (Storage s : storages) {
      if (s.lastUse != statement || s.ended || s.output) {
        continue;
      }
      s.ended = true;
      out.add(s.pooled ? new WrapperLine.DeallocFromPoolLine(s.current)
          : new WrapperLine.FreeIfNotReusedLine(s.current, false, false, s.multiOutput));
    }
    return out;
  }
}
