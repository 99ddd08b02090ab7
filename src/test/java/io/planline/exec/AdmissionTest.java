package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

final class AdmissionTest {

  @Test
  void admit_belowLimits_grantsAtOnce() {
    Admission a = new Admission(2, 4, 1000);
    StepVerifier.create(a.admit(400)).expectNextCount(1).verifyComplete();
    assertEquals(1, a.running());
    assertEquals(400, a.reservedBytes());
  }

  @Test
  void admit_overBudget_waitsUntilMemoryIsReleased() {
    Admission a = new Admission(4, 4, 1000);
    AtomicReference<Admission.Ticket> first = new AtomicReference<>();
    a.admit(700).subscribe(first::set);
    StepVerifier.create(a.admit(700))
        .then(() -> assertEquals(1, a.queued()))
        .expectNoEvent(Duration.ofMillis(50))
        .then(() -> first.get().release())
        .expectNextCount(1)
        .verifyComplete();
    assertEquals(0, a.queued());
    assertEquals(700, a.reservedBytes());
  }

  @Test
  void admit_queueFull_refusedAtOnceAsOverloaded() {
    Admission a = new Admission(1, 1, 1000);
    a.admit(1).subscribe();
    a.admit(1).subscribe(); // waits: the only queue place
    StepVerifier.create(a.admit(1))
        .expectErrorSatisfies(e -> assertEquals("queue_full",
            ((InferenceException.Overloaded) e).reason()))
        .verify(Duration.ofSeconds(1));
  }

  @Test
  void admit_neverFits_isBadInputNotOverload() {
    Admission a = new Admission(1, 1, 1000);
    StepVerifier.create(a.admit(1001))
        .expectError(InferenceException.BadInput.class)
        .verify(Duration.ofSeconds(1));
  }

  @Test
  void admit_cancelledWhileWaiting_leavesTheQueue() {
    Admission a = new Admission(1, 4, 1000);
    AtomicReference<Admission.Ticket> first = new AtomicReference<>();
    a.admit(1).subscribe(first::set);
    StepVerifier.create(a.admit(1)).thenAwait(Duration.ofMillis(10)).thenCancel().verify();
    assertEquals(0, a.queued());
    first.get().release();
    assertEquals(0, a.running(), "a cancelled waiter is not granted later");
  }

  @Test
  void release_twice_countsOnce() {
    Admission a = new Admission(1, 1, 1000);
    Admission.Ticket t = a.admit(10).block();
    t.release();
    t.release();
    assertEquals(0, a.running());
    assertEquals(0, a.reservedBytes());
  }

  @Test
  void close_waitingRequestStillRuns_newRefused_idleOnceAllReleased() {
    Admission a = new Admission(1, 2, 1000);
    AtomicReference<Admission.Ticket> first = new AtomicReference<>();
    a.admit(1).subscribe(first::set);
    AtomicReference<Admission.Ticket> second = new AtomicReference<>();
    a.admit(1).subscribe(second::set); // waits in the queue
    var idle = a.close();
    StepVerifier.create(a.admit(1))
        .expectErrorSatisfies(e -> assertEquals("shutdown",
            ((InferenceException.Overloaded) e).reason()))
        .verify(Duration.ofSeconds(1));
    assertFalse(idle.isDone(), "one runs and one waits");
    first.get().release();
    assertNotNull(second.get(), "the queued request was admitted, not refused");
    assertFalse(idle.isDone());
    second.get().release();
    assertTrue(idle.isDone());
  }

  @Test
  void admit_grantedAtOnceButCancelledBeforeTaken_slotGivenBack() {
    Admission a = new Admission(1, 1, 1000);
    StepVerifier.create(a.admit(400), 0).thenCancel().verify(Duration.ofSeconds(1));
    assertEquals(0, a.running(), "the slot of a grant nobody took is free again");
    assertEquals(0, a.reservedBytes());
    assertTrue(a.close().isDone(), "a drain finds nothing admitted");
  }

  @Test
  void close_nothingAdmitted_idleAtOnce() {
    assertTrue(new Admission(1, 1, 1000).close().isDone());
  }
}
