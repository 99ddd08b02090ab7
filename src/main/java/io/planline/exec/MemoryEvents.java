package io.planline.exec;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The stream of every request's memory events. Observers that fall behind miss events rather than
 * slow requests down: execution never waits on metrics.
 */
public final class MemoryEvents {

  private final Sinks.Many<MemoryEvent> sink = Sinks.many().multicast().directBestEffort();

  /** Publishes {@code event} to current observers. */
  public void emit(MemoryEvent event) {
    // Requests emit from several stream threads at once; the sink serialises them and a busy
    // emission is retried rather than lost.
    sink.emitNext(event, Sinks.EmitFailureHandler.busyLooping(java.time.Duration.ofMillis(50)));
  }

  /** The events from now on. */
  public Flux<MemoryEvent> flux() {
    return sink.asFlux();
  }
}
