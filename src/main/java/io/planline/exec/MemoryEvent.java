package io.planline.exec;

import static java.util.Objects.requireNonNull;

import io.planline.ir.Device;

/**
 * One memory event of a request, as metrics and tests observe them.
 *
 * @param request the request's id
 * @param device where the memory is
 * @param kind what happened
 * @param buffer the buffer's name
 * @param bytes the storage's size
 */
public record MemoryEvent(String request, Device device, Kind kind, String buffer, long bytes) {

  /** Event kinds, named as the {@code kind} label of {@code planline_memory_events_total}. */
  public enum Kind {
    ALLOCATE, FREE, REUSE;

    /** The metric label. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public MemoryEvent {
    requireNonNull(request, "request");
    requireNonNull(device, "device");
    requireNonNull(kind, "kind");
    requireNonNull(buffer, "buffer");
  }
}
