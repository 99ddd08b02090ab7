package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The phases a request's marks split its time into (no durations asserted: marks only). */
final class RequestTimesTest {

  @Test
  void phases_everyMark_sumToTheWholeDuration() {
    RequestTimes t = RequestTimes.start();
    t.inputsDecoded();
    t.executionStarted();
    t.executionEnded();
    long answered = System.nanoTime();
    RequestTimes.Phases p = t.phases(answered);
    assertEquals(answered - t.arrived(), p.totalNanos());
  }

  @Test
  void phases_inputsNeverMarkedDecoded_noInputTime() {
    RequestTimes t = RequestTimes.startedAt(System.nanoTime());
    t.executionStarted();
    t.executionEnded();
    long answered = System.nanoTime();
    RequestTimes.Phases p = t.phases(answered);
    assertEquals(0, p.inputNanos());
    assertEquals(answered - t.arrived(), p.totalNanos());
  }

  @Test
  void phases_neverExecuted_throwsSayingSo() {
    RequestTimes t = RequestTimes.start();
    t.inputsDecoded();
    assertFalse(t.executed());
    var e = assertThrows(IllegalStateException.class, () -> t.phases(System.nanoTime()));
    assertTrue(e.getMessage().contains("did not execute"), e.getMessage());
  }

  @Test
  void executedAs_batchMarks_takesTheBatchExecution() {
    RequestTimes request = RequestTimes.start();
    request.inputsDecoded();
    RequestTimes batch = RequestTimes.start();
    batch.executionStarted();
    batch.executionEnded();
    request.executedAs(batch);
    assertTrue(request.executed());
    long answered = System.nanoTime();
    assertEquals(answered - request.arrived(), request.phases(answered).totalNanos());
  }

  @Test
  void phasesRecord_negative_throwsNamingEveryPhase() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new RequestTimes.Phases(1, -2, 3, 4));
    assertTrue(e.getMessage().contains("input -2"), e.getMessage());
  }
}
