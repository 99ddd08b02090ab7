package io.planline.exec.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.planline.backend.HostTensor;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The batcher's timing in virtual time: batches leave full at once, or after the delay. */
final class BatchFormerTest {

  private static final Duration DELAY = Duration.ofMillis(5);

  private static Pending request(long rows) {
    return new Pending(List.of(HostTensor.ofFloats("x", new long[] {rows, 2},
        new float[(int) rows * 2])), rows, 0,
        io.planline.exec.RequestTimes.start());
  }

  private static Sinks.Many<Pending> sink() {
    return Sinks.many().unicast().onBackpressureBuffer();
  }

  private static List<Long> rows(List<Pending> batch) {
    return batch.stream().map(Pending::rows).toList();
  }

  /** The stage, one batch per buffer (every request here has one row). */
  private static reactor.core.publisher.Flux<List<Pending>> formed(Sinks.Many<Pending> in,
      int max, Duration delay) {
    return formed(in, new BatchSettings(true, max, List.of(), delay, true));
  }

  private static reactor.core.publisher.Flux<List<Pending>> formed(Sinks.Many<Pending> in,
      BatchSettings settings) {
    return in.asFlux().transform(BatchFormer.form(settings, Schedulers.parallel()))
        .map(batches -> {
          assertEquals(1, batches.size());
          return batches.get(0);
        });
  }

  @Test
  void form_maxRequestsArrive_batchLeavesAtOnce() {
    Sinks.Many<Pending> in = sink();
    StepVerifier.withVirtualTime(() -> formed(in, 4, DELAY))
        .then(() -> {
          for (int i = 0; i < 6; i++) {
            in.tryEmitNext(request(1));
          }
        })
        .assertNext(b -> assertEquals(4, b.size()))
        .expectNoEvent(DELAY.minusNanos(1))
        .thenAwait(Duration.ofNanos(1))
        .assertNext(b -> assertEquals(2, b.size(), "the rest leaves after the delay"))
        .then(in::tryEmitComplete)
        .verifyComplete();
  }

  @Test
  void form_loneRequest_leavesAfterMaxQueueDelay() {
    Sinks.Many<Pending> in = sink();
    StepVerifier.withVirtualTime(() -> formed(in, 8, DELAY))
        .then(() -> in.tryEmitNext(request(1)))
        .expectNoEvent(DELAY.minusNanos(1))
        .thenAwait(Duration.ofNanos(1))
        .assertNext(b -> assertEquals(List.of(1L), rows(b)))
        .then(in::tryEmitComplete)
        .verifyComplete();
  }

  @Test
  void form_noDemandWhileBusy_batchKeepsFillingUntilASlotFrees() {
    Sinks.Many<Pending> in = sink();
    StepVerifier.withVirtualTime(() -> formed(in, 8, DELAY), 0)
        .then(() -> in.tryEmitNext(request(1)))
        .thenAwait(DELAY.multipliedBy(3))
        .then(() -> {
          in.tryEmitNext(request(1));
          in.tryEmitNext(request(1));
        })
        .expectNoEvent(DELAY)
        .thenRequest(1)
        .assertNext(b -> assertEquals(3, b.size(), "the delay passed while no slot was free"))
        .then(in::tryEmitComplete)
        .thenRequest(1)
        .verifyComplete();
  }

  @Test
  void form_largestPreferredSizeReached_batchLeavesWithoutWaitingForTheDelay() {
    Sinks.Many<Pending> in = sink();
    BatchSettings settings = new BatchSettings(true, 64, List.of(2, 3), DELAY, true);
    StepVerifier.withVirtualTime(() -> formed(in, settings))
        .then(() -> {
          in.tryEmitNext(request(1));
          in.tryEmitNext(request(1));
        })
        .expectNoEvent(DELAY.minusNanos(1)) // 2 is preferred too, but not the largest
        .then(() -> in.tryEmitNext(request(1)))
        .assertNext(b -> assertEquals(3, b.size(), "the largest preferred size leaves at once"))
        .then(() -> in.tryEmitNext(request(1)))
        .expectNoEvent(DELAY.minusNanos(1))
        .thenAwait(Duration.ofNanos(1))
        .assertNext(b -> assertEquals(1, b.size(), "a smaller batch still waits the delay"))
        .then(in::tryEmitComplete)
        .verifyComplete();
  }

  @Test
  void form_busyWithPreferredSizes_batchesStopAtTheLargestPreferredSize() {
    Sinks.Many<Pending> in = sink();
    BatchSettings settings = new BatchSettings(true, 64, List.of(4), DELAY, true);
    StepVerifier.withVirtualTime(() -> formed(in, settings), 0)
        .then(() -> {
          for (int i = 0; i < 10; i++) {
            in.tryEmitNext(request(1));
          }
        })
        .thenAwait(DELAY.multipliedBy(3))
        .thenRequest(3)
        .assertNext(b -> assertEquals(4, b.size()))
        .assertNext(b -> assertEquals(4, b.size()))
        .assertNext(b -> assertEquals(2, b.size(), "what is left leaves after its delay"))
        .then(in::tryEmitComplete)
        .thenRequest(1)
        .verifyComplete();
  }

  @Test
  void form_zeroDelay_takesWhatIsWaiting() {
    Sinks.Many<Pending> in = sink();
    StepVerifier.withVirtualTime(() -> formed(in, 8, Duration.ZERO))
        .then(() -> in.tryEmitNext(request(1)))
        .thenAwait(Duration.ofNanos(1))
        .assertNext(b -> assertEquals(1, b.size()))
        .then(in::tryEmitComplete)
        .verifyComplete();
  }

  @Test
  void pack_rowsOverTheMaximum_cutInArrivalOrderLeaversDropped() {
    Pending left = request(1);
    left.answer().subscribe().dispose(); // its client went away
    List<Pending> buffer = List.of(request(3), request(2), left, request(4), request(1));
    List<List<Pending>> batches = BatchFormer.pack(buffer, 5);
    assertEquals(List.of(List.of(3L, 2L), List.of(4L, 1L)),
        batches.stream().map(BatchFormerTest::rows).toList());
  }
}
