package io.planline.exec;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The stream of every request's memory events. Observers that fall behind (no demand) miss events
 * rather than slow requests down; a request waits only while another thread's event is being
 * handed to the observers.
 */
public final class MemoryEvents {

  private final Sinks.Many<MemoryEvent> sink = Sinks.many().multicast().directBestEffort();

  /** Publishes {@code event} to current observers. Never fails the request that emits it. */
  public void emit(MemoryEvent event) {
    // Requests emit from several threads at once (stream threads, and callers' threads running
    // short programs inline); a sink takes one emission at a time. It used to be retried for 50
    // ms and then thrown as a Rule 1.3 error, which failed the request: seen with four requests
    // in flight on digits-mlp when a thread was descheduled inside the observers (ModelBench,
    // session 12). Emissions now take turns on this lock, so none is refused as concurrent.
    synchronized (this) {
      sink.tryEmitNext(event);
    }
  }

  /** The events from now on. */
  public Flux<MemoryEvent> flux() {
    return sink.asFlux();
  }
}
