package io.planline.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What Inductor's own pool planner ({@code config.memory_planning}, memory_planning.py) made of
 * the same wrapper lines, as the exporter recorded it ({@code inductor_pools} in program.json):
 * the size of each pool, at the input shapes the model was compiled with. The reference that
 * {@code run} and {@code /plan} show beside planline's plan; nothing runs from it.
 *
 * @param inputs the input shapes the pools were sized at
 * @param poolBytes each pool's size in bytes
 */
public record InductorPools(Map<String, List<Long>> inputs, List<Long> poolBytes) {

  public InductorPools {
    inputs = Map.copyOf(inputs);
    poolBytes = List.copyOf(poolBytes);
  }

  /** The pools' bytes together. */
  public long bytes() {
    return poolBytes.stream().mapToLong(Long::longValue).sum();
  }

  /** Whether these pools were sized at exactly {@code shapes} (input name to dims). */
  public boolean sizedAt(Map<String, long[]> shapes) {
    if (!shapes.keySet().equals(inputs.keySet())) {
      return false;
    }
    for (var e : shapes.entrySet()) {
      long[] want = inputs.get(e.getKey()).stream().mapToLong(Long::longValue).toArray();
      if (!Arrays.equals(want, e.getValue())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads the optional field; null when absent, or when the exporter recorded why Inductor's
   * planner could not run ({@code {"error": ...}}): a missing reference is not a broken program.
   */
  static @Nullable InductorPools read(ModelProgramReader.Fields f, JsonNode root) {
    JsonNode n = root.get("inductor_pools");
    if (n == null || n.isNull() || (n.isObject() && n.has("error"))) {
      return null;
    }
    ModelProgramReader.Fields at = f.at("inductor_pools");
    Map<String, List<Long>> inputs = new LinkedHashMap<>();
    var fields = at.object(n, "inputs").fields();
    while (fields.hasNext()) {
      var e = fields.next();
      List<Long> dims = new ArrayList<>();
      for (JsonNode d : e.getValue()) {
        if (!d.canConvertToLong() || d.asLong() < 0) {
          throw at.fail("inputs." + e.getKey(), "expected a list of sizes, found " + e.getValue());
        }
        dims.add(d.asLong());
      }
      inputs.put(e.getKey(), dims);
    }
    JsonNode pools = n.get("pools");
    if (pools != null && pools.isObject() && pools.has("error")) {
      return null;
    }
    List<Long> bytes = new ArrayList<>();
    for (JsonNode p : at.array(n, "pools")) {
      JsonNode b = p.get("bytes");
      if (b == null || !b.canConvertToLong() || b.asLong() < 0) {
        throw at.fail("pools", "each pool needs its size in \"bytes\", found " + p);
      }
      bytes.add(b.asLong());
    }
    return new InductorPools(inputs, bytes);
  }
}
