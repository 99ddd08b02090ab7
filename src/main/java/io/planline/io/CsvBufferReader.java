package io.planline.io;

import io.planline.ir.Buffer;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.Program;
import io.planline.ir.WrapperLine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads buffer lists in the MiniMalloc CSV convention ({@code id,lower,upper,size}, half-open
 * lifetimes {@code [lower, upper)}) into a one-graph program of allocate and free lines.
 *
 * <p>Lines are emitted per distinct time in ascending order: first the frees of buffers whose
 * lifetime ends at that time, then the allocations of those that start there. With live ranges
 * inclusive of their allocating and freeing lines, two buffers then overlap in lines exactly when
 * their half-open lifetimes intersect. After each time's allocations a kernel call names the new
 * buffers (as a program would write them). Sizes are abstract units, so plans of CSV instances
 * use alignment {@link #ALIGNMENT}.
 */
public final class CsvBufferReader {

  /** CSV sizes are units, not bytes: no rounding. */
  public static final int ALIGNMENT = 1;

  private CsvBufferReader() {}

  /** One buffer row. */
  private record Row(String id, long lower, long upper, long size) {}

  /** Reads the CSV file at {@code path}. */
  public static Program read(Path path) {
    try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      return read(path.toString(), r);
    } catch (IOException e) {
      throw new ProgramFormatException(path.toString(), "", "cannot read: " + e.getMessage(), e);
    }
  }

  /** Reads a CSV buffer list from {@code in}; {@code file} names it in messages. */
  public static Program read(String file, Reader in) throws IOException {
    BufferedReader br = in instanceof BufferedReader b ? b : new BufferedReader(in);
    String header = br.readLine();
    if (header == null) {
      throw new ProgramFormatException(file, "line 1", "empty file: expected header id,lower,upper,size");
    }
    String[] cols = header.strip().split(",");
    int id = indexOf(cols, "id", "buffer");
    int lower = indexOf(cols, "lower", "start");
    int upper = indexOf(cols, "upper", "end");
    int size = indexOf(cols, "size", "size");
    if (id < 0 || lower < 0 || upper < 0 || size < 0) {
      throw new ProgramFormatException(file, "line 1",
          "header '" + header.strip() + "' lacks one of id, lower, upper, size");
    }
    // The older MiniMalloc header (buffer,start,end,size) has an inclusive end.
    boolean inclusiveEnd = cols[upper].strip().equals("end");
    List<Row> rows = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    String line;
    int lineNo = 1;
    while ((line = br.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(",", -1);
      String at = "line " + lineNo;
      if (f.length < cols.length) {
        throw new ProgramFormatException(file, at, "expected " + cols.length + " fields, found "
            + f.length);
      }
      String name = f[id].strip();
      if (name.isEmpty()) {
        throw new ProgramFormatException(file, at + ", field id", "empty buffer id");
      }
      long lo = number(file, at, "lower", f[lower]);
      long up = number(file, at, "upper", f[upper]) + (inclusiveEnd ? 1 : 0);
      long sz = number(file, at, "size", f[size]);
      if (lo < 0 || sz < 0) {
        throw new ProgramFormatException(file, at, "negative " + (lo < 0 ? "lower" : "size"));
      }
      if (sz > LineDumpReader.MAX_BYTES) {
        throw new ProgramFormatException(file, at + ", field size",
            LineDumpReader.tooLarge(sz));
      }
      if (up <= lo) {
        throw new ProgramFormatException(file, at + ", field upper",
            "empty lifetime [" + lo + ", " + up + ")");
      }
      if (!ids.add(name)) {
        throw new ProgramFormatException(file, at + ", field id", "duplicate buffer id '" + name + "'");
      }
      rows.add(new Row(name, lo, up, sz));
    }
    return new Program(file, List.of(toGraph(file, rows)));
  }

  private static Graph toGraph(String file, List<Row> rows) {
    // time -> (frees at that time, allocations at that time)
    TreeMap<Long, List<Row>> frees = new TreeMap<>();
    TreeMap<Long, List<Row>> allocs = new TreeMap<>();
    for (Row r : rows) {
      allocs.computeIfAbsent(r.lower, k -> new ArrayList<>()).add(r);
      frees.computeIfAbsent(r.upper, k -> new ArrayList<>()).add(r);
    }
    TreeMap<Long, Boolean> times = new TreeMap<>();
    allocs.keySet().forEach(t -> times.put(t, true));
    frees.keySet().forEach(t -> times.put(t, true));
    List<WrapperLine> lines = new ArrayList<>(2 * rows.size());
    for (long t : times.keySet()) {
      for (Row r : frees.getOrDefault(t, List.of())) {
        lines.add(WrapperLine.FreeIfNotReusedLine.of(buffer(r)));
      }
      List<Row> starting = allocs.getOrDefault(t, List.of());
      for (Row r : starting) {
        lines.add(new WrapperLine.AllocateLine(buffer(r)));
      }
      if (!starting.isEmpty()) {
        // A kernel that writes the new buffers: without it every line would be a memory line,
        // and Inductor's greedy pass prunes trailing memory lines, i.e. the whole program.
        lines.add(new WrapperLine.KernelCallLine("t" + t,
            starting.stream().map(Row::id).toList(), Device.CPU));
      }
    }
    return Graph.of(file + "#0", lines, List.of());
  }

  private static Buffer buffer(Row r) {
    return Buffer.ofBytes(r.id, Device.CPU, r.size);
  }

  private static int indexOf(String[] cols, String name, String alt) {
    for (int i = 0; i < cols.length; i++) {
      String c = cols[i].strip();
      if (c.equals(name) || c.equals(alt)) {
        return i;
      }
    }
    return -1;
  }

  private static long number(String file, String at, String field, String text) {
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new ProgramFormatException(file, at + ", field " + field,
          "not a 64-bit integer: '" + text.strip() + "'");
    }
  }
}
