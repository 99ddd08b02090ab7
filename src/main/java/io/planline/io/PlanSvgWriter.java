package io.planline.io;

import io.planline.plan.LiveRange;
import io.planline.plan.Liveness;
import io.planline.plan.Placement;
import io.planline.plan.Plan;
import io.planline.ir.Graph;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Draws a plan as the picture people sketch when they debug memory: lines (time) on the x axis,
 * byte offset on the y axis, one rectangle per storage, and the lower bound as a dashed line.
 *
 * <p>Offset plans are drawn at their offsets. Reuse plans have no offsets, so their storages (read
 * from the rewritten lines, where a reused storage is one range under several names) are stacked
 * by first fit for the picture only, and the caption says so.
 */
public final class PlanSvgWriter {

  private static final int WIDTH = 1200;
  private static final int HEIGHT = 600;
  private static final int MARGIN = 60;
  private static final String[] COLOURS = {
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac"
  };

  private PlanSvgWriter() {}

  /** The SVG document for {@code plan} of {@code graph}. */
  public static String svg(Graph graph, Plan plan) {
    List<Placement> rects = switch (plan.kind()) {
      case OFFSETS -> plan.asOffsets().placements();
      case REUSES -> stacked(graph, plan);
    };
    long top = Math.max(1, Math.max(plan.plannedBytes(), plan.lowerBoundBytes()));
    for (Placement p : rects) {
      top = Math.max(top, p.end());
    }
    int lines = Math.max(1, plan.lines().size());
    double sx = (double) (WIDTH - 2 * MARGIN) / lines;
    double sy = (double) (HEIGHT - 2 * MARGIN) / top;
    StringBuilder out = new StringBuilder(rects.size() * 160 + 1024);
    out.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\""
        + " height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT));
    out.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    String caption = String.format(Locale.ROOT, "%s · %s · planned %,d B · lower bound %,d B"
        + " (×%.4f)%s", escape(plan.source()), escape(plan.planner()), plan.plannedBytes(),
        plan.lowerBoundBytes(), plan.ratio(),
        plan.kind() == Plan.Kind.REUSES
            ? " · reuse plan: storages stacked by first fit to draw" : "");
    out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\">%s</text>%n", MARGIN, caption));
    int i = 0;
    for (Placement p : rects) {
      double x = MARGIN + p.firstLine() * sx;
      double w = Math.max(1, (p.lastLine() - p.firstLine() + 1) * sx);
      double h = Math.max(0.5, p.bytes() * sy);
      double y = HEIGHT - MARGIN - (p.offset() + p.bytes()) * sy;
      out.append(String.format(Locale.ROOT, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\""
          + " height=\"%.2f\" fill=\"%s\" fill-opacity=\"0.8\" stroke=\"#333\" stroke-width=\"0.3\">"
          + "<title>%s: offset %d, %d bytes, lines %d–%d</title></rect>%n", x, y, w, h,
          COLOURS[i++ % COLOURS.length], escape(p.buffer()), p.offset(), p.bytes(), p.firstLine(),
          p.lastLine()));
    }
    double lb = HEIGHT - MARGIN - plan.lowerBoundBytes() * sy;
    out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\""
        + " stroke=\"red\" stroke-dasharray=\"6,4\"/>%n", MARGIN, lb, WIDTH - MARGIN, lb));
    out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.2f\" fill=\"red\">lower bound</text>%n",
        WIDTH - MARGIN - 80, lb - 4));
    out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
        MARGIN, HEIGHT - MARGIN, WIDTH - MARGIN, HEIGHT - MARGIN));
    out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
        MARGIN, MARGIN, MARGIN, HEIGHT - MARGIN));
    out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">line →</text>%n",
        WIDTH / 2, HEIGHT - MARGIN + 30));
    out.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\">bytes ↑</text>%n", MARGIN - 10));
    out.append("</svg>\n");
    return out.toString();
  }

  /** First-fit stacking of a reuse plan's storages, for drawing only. */
  private static List<Placement> stacked(Graph graph, Plan plan) {
    List<LiveRange> ranges = new ArrayList<>(Liveness.of(graph.withLines(plan.lines())));
    ranges.sort(Comparator.comparingInt(LiveRange::firstLine));
    List<Placement> placed = new ArrayList<>();
    for (LiveRange r : ranges) {
      List<Placement> busy = placed.stream()
          .filter(p -> p.firstLine() <= r.lastLine() && r.firstLine() <= p.lastLine())
          .sorted(Comparator.comparingLong(Placement::offset)).toList();
      long offset = 0;
      for (Placement b : busy) {
        if (b.offset() >= offset + r.bytes()) {
          break;
        }
        offset = Math.max(offset, b.end());
      }
      placed.add(new Placement(r.name(), "draw", offset, r.bytes(), r.firstLine(), r.lastLine()));
    }
    return placed;
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
