package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The start-up warm-up of the request path: its count, its time bound, its own thread. */
class PathWarmupTest {

  @Test
  void runsTheRequestsItIsAskedForHalfInlineHalfThroughTheStream() {
    PathWarmup.Result r = PathWarmup.run(300, Duration.ofMinutes(1));
    assertEquals(300, r.requests());
    assertTrue(r.millis() >= 0);
  }

  @Test
  void stopsAtItsTimeLimitWhateverTheCount() {
    PathWarmup.Result r = PathWarmup.run(1_000_000, Duration.ofMillis(200));
    assertTrue(r.requests() < 1_000_000, "ran " + r.requests());
    assertTrue(r.requests() > 0, "the first request starts before the limit is checked again");
  }

  @Test
  void leavesNoThreadOfItsOwnBehind() {
    PathWarmup.run(50, Duration.ofMinutes(1));
    boolean alive = Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("planline-warmup") && t.isAlive());
    assertFalse(alive, "the warm-up thread ended with the warm-up");
  }
}
