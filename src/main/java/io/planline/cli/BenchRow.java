package io.planline.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One figure of {@code bench}: a planner on a graph, its memory against the lower bound and its
 * planning times over the timed runs.
 *
 * <p>{@link #jsonLine} is what {@code bench --json} prints, one object per line, and what
 * {@code tools/bench-compare.py} and {@code docs/bench-baseline.jsonl} hold: keys are not renamed
 * without changing both.
 *
 * @param suite the {@code --offset-suite} it belongs to, or "" for a file given on the command line
 * @param capacityBytes the capacity asked about ({@code --capacity}), or 0 when minimised
 * @param plannedBytes -1 when the planner failed ({@code error} says why)
 * @param ratio planned over the bound, the worst over the timed runs
 * @param proven whether every timed run's plan was proven optimal
 * @param millis the timed runs, ascending
 */
record BenchRow(String suite, String graph, String planner, int buffers, long capacityBytes,
    long lowerBoundBytes, long plannedBytes, double ratio, boolean proven, double[] millis,
    @Nullable String error) {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String TABLE = "%-44s %-14s %8s %16s %16s %8s %10s %10s %10s %4s %s%n";

  BenchRow {
    if (millis.length == 0) {
      throw new IllegalArgumentException("a bench row needs at least one timed run: " + graph);
    }
  }

  /** The median timed run (the upper middle one for an even count). */
  double medianMillis() {
    return millis[millis.length / 2];
  }

  /** The column heads of {@link #tableLine}. */
  static String tableHeader() {
    return String.format(Locale.ROOT, TABLE, "graph", "planner", "buffers", "lower bound",
        "planned", "ratio", "median ms", "min ms", "max ms", "runs", "proven");
  }

  /** One line of the text table. */
  String tableLine() {
    String name = capacityBytes > 0 ? graph + " @" + capacityBytes : graph;
    name = name.length() <= 44 ? name : "…" + name.substring(name.length() - 43);
    return String.format(Locale.ROOT, TABLE, name, planner, buffers, lowerBoundBytes,
        error != null ? "-" : Long.toString(plannedBytes),
        error != null ? "-" : String.format(Locale.ROOT, "%.4f", ratio),
        ms(medianMillis()), ms(millis[0]), ms(millis[millis.length - 1]), millis.length,
        error != null ? error : proven ? "yes" : "no");
  }

  /** The row as one line of JSON. */
  String jsonLine() {
    ObjectNode o = JSON.createObjectNode();
    if (!suite.isEmpty()) {
      o.put("suite", suite);
    }
    o.put("graph", graph);
    o.put("planner", planner);
    o.put("buffers", buffers);
    if (capacityBytes > 0) {
      o.put("capacity_bytes", capacityBytes);
    }
    o.put("lower_bound_bytes", lowerBoundBytes);
    if (error != null) {
      o.putNull("planned_bytes");
      o.putNull("ratio");
    } else {
      o.put("planned_bytes", plannedBytes);
      o.put("ratio", Math.round(ratio * 1e6) / 1e6);
    }
    o.put("proven", proven);
    o.put("median_ms", round(medianMillis()));
    o.put("min_ms", round(millis[0]));
    o.put("max_ms", round(millis[millis.length - 1]));
    o.put("runs", millis.length);
    if (error != null) {
      o.put("error", error);
    }
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a bench row", e);
    }
  }

  private static String ms(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
