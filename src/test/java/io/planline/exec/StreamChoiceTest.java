package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StreamChoiceTest {

  @Test
  void oneRequestAtATime_alwaysTheFirstStream() {
    StreamChoice c = new StreamChoice(4);
    for (int i = 0; i < 10; i++) {
      int s = c.take();
      assertEquals(0, s);
      c.done(s);
    }
  }

  @Test
  void concurrentRequests_takeTheFirstFreeStream_thenTurns() {
    StreamChoice c = new StreamChoice(3);
    assertEquals(0, c.take());
    assertEquals(1, c.take());
    c.done(0);
    assertEquals(0, c.take(), "stream 0 is free again");
    assertEquals(2, c.take());
    // every stream busy: turns, each counted
    int a = c.take();
    int b = c.take();
    assertEquals(1, (b - a + 3) % 3, "consecutive turns");
    assertEquals(2, c.running(a));
    c.done(a);
    c.done(b);
    assertEquals(1, c.running(a));
  }

  @Test
  void takeFirst_alwaysStreamZero_countedThere_othersStayFree() {
    StreamChoice c = new StreamChoice(3);
    assertEquals(0, c.takeFirst());
    assertEquals(0, c.takeFirst(), "stream 0 even while it runs a request");
    assertEquals(2, c.running(0));
    assertEquals(1, c.take(), "a request that may use any stream skips the busy one");
    c.done(0);
    c.done(0);
    assertEquals(0, c.running(0));
    assertEquals(0, c.take());
  }

  @Test
  void noStreams_refused() {
    assertThrows(IllegalArgumentException.class, () -> new StreamChoice(0));
  }
}
