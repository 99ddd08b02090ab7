package io.planline.metrics;

import java.util.Locale;

/** What a memory event did to a storage, as the {@code kind} label shows it. */
public enum MemoryEventKind {
  ALLOCATE, FREE, REUSE;

  /** The label value ({@code allocate}). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
