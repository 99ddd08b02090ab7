package io.planline.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * {@link SearchProgress#atMostEvery}: its clock is the snapshots' elapsed time, so these tests
 * drive it with made-up times instead of waiting.
 */
final class SearchProgressTest {

  private static SearchProgress.Snapshot at(String source, long millis) {
    return new SearchProgress.Snapshot(source, "cuda:0", 200, 100, millis);
  }

  @Test
  void atMostEvery_shortSearch_passesNothing() {
    List<Long> seen = new ArrayList<>();
    SearchProgress p = SearchProgress.atMostEvery(1_000, s -> seen.add(s.elapsedMillis()));
    for (long t : new long[] {0, 10, 300, 999}) {
      p.update(at("g", t));
    }
    assertTrue(seen.isEmpty(), seen.toString());
  }

  @Test
  void atMostEvery_longSearch_passesOneASecond() {
    List<Long> seen = new ArrayList<>();
    SearchProgress p = SearchProgress.atMostEvery(1_000, s -> seen.add(s.elapsedMillis()));
    for (long t : new long[] {100, 1_000, 1_200, 1_999, 2_000, 2_500, 5_100, 5_200}) {
      p.update(at("g", t));
    }
    assertEquals(List.of(1_000L, 2_000L, 5_100L), seen);
  }

  @Test
  void atMostEvery_nextSearch_startsAfresh() {
    List<String> seen = new ArrayList<>();
    SearchProgress p = SearchProgress.atMostEvery(1_000, s -> seen.add(s.source()
        + "@" + s.elapsedMillis()));
    p.update(at("a", 1_500));
    p.update(at("b", 200)); // another graph: its first second is quiet too
    p.update(at("b", 1_100));
    p.update(at("b", 300)); // the same graph planned again: time went back
    p.update(at("b", 1_000));
    assertEquals(List.of("a@1500", "b@1100", "b@1000"), seen);
  }

  /** Whatever the steps, what passes is at least an interval apart and after the first one. */
  @Property(tries = 200)
  void atMostEvery_passedSnapshots_areAnIntervalApart(
      @ForAll @Size(max = 60) List<@IntRange(min = 0, max = 700) Integer> steps,
      @ForAll @IntRange(min = 1, max = 2_000) int interval) {
    List<Long> seen = new ArrayList<>();
    SearchProgress p = SearchProgress.atMostEvery(interval, s -> seen.add(s.elapsedMillis()));
    long t = 0;
    for (int step : steps) {
      t += step;
      p.update(at("g", t));
    }
    long last = 0;
    for (long s : seen) {
      assertTrue(s - last >= interval, seen + " at interval " + interval);
      last = s;
    }
  }
}
