package io.planline.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.planline.plan.Placement;
import io.planline.plan.Plan;
import io.planline.plan.Pool;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Writes plans as the JSON the {@code plan --json} command and the HTTP {@code /plan} endpoint
 * share: {@code {"results": [{source, planner, buffers, lower_bound_bytes, planned_bytes,
 * plan_millis, pools, placements, reuses}]}}. The shape is a public contract: keys are not renamed
 * or added without a format change.
 */
public final class PlanJsonWriter {

  private static final ObjectMapper JSON = new ObjectMapper();

  private PlanJsonWriter() {}

  /**
   * One planner's result on one graph, with Inductor's own pool bytes for the same graph where
   * they are known (written as {@code inductor_pool_bytes}; null: left out).
   */
  public record Result(Plan plan, int buffers, double planMillis,
      @Nullable Long inductorPoolBytes) {

    /** A result with no reference from Inductor. */
    public Result(Plan plan, int buffers, double planMillis) {
      this(plan, buffers, planMillis, null);
    }
  }

  /** The whole document for {@code results}. */
  public static ObjectNode document(List<Result> results) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode arr = root.putArray("results");
    for (Result r : results) {
      arr.add(result(r));
    }
    return root;
  }

  /** One result object. */
  public static ObjectNode result(Result r) {
    Plan p = r.plan();
    ObjectNode o = JSON.createObjectNode();
    o.put("source", p.source());
    o.put("planner", p.planner());
    o.put("buffers", r.buffers());
    o.put("lower_bound_bytes", p.lowerBoundBytes());
    o.put("planned_bytes", p.plannedBytes());
    o.put("plan_millis", Math.round(r.planMillis() * 1000) / 1000.0);
    if (r.inductorPoolBytes() != null) {
      o.put("inductor_pool_bytes", r.inductorPoolBytes());
    }
    // every family prints all three lists (the format predates the split), empty where not its own
    ArrayNode pools = o.putArray("pools");
    ArrayNode placements = o.putArray("placements");
    ArrayNode reuses = o.putArray("reuses");
    switch (p.kind()) {
      case OFFSETS -> {
        for (Pool pool : p.asOffsets().pools()) {
          pools.addObject().put("name", pool.name()).put("device", pool.device().toString())
              .put("bytes", pool.bytes());
        }
        for (Placement pl : p.asOffsets().placements()) {
          placements.addObject().put("buffer", pl.buffer()).put("pool", pl.pool())
              .put("offset", pl.offset()).put("bytes", pl.bytes())
              .put("first_line", pl.firstLine()).put("last_line", pl.lastLine());
        }
      }
      case REUSES -> p.asReuses().reuses().forEach((buffer, old) ->
          reuses.addObject().put("buffer", buffer).put("reuses", old));
    }
    return o;
  }

  /** Pretty-printed text of {@link #document}. */
  public static String toJson(List<Result> results) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document(results));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise plan results", e);
    }
  }
}
