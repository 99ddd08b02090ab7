package io.planline.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One gauge and its label names: a value per combination of label values, registered with
 * Micrometer on first use and held here (Micrometer keeps only a weak reference to what it
 * reads). Values are found by the label values themselves, as they are (a {@code Device}, a
 * model's name), and made into text only when registered: the gauges are set several times per
 * request, and building Micrometer {@code Tags} for each update (sorted, an object per tag,
 * hashed and compared) showed in profiles of the server under load (about 2% of its Java
 * samples; no change in requests/s could be measured, docs/benchmarks.md).
 */
final class GaugeFamily {

  private final MeterRegistry registry;
  private final String name;
  private final String help;
  private final @Nullable String unit;
  private final List<String> labels;
  private final Map<List<Object>, AtomicLong> values = new ConcurrentHashMap<>();

  /** {@code unit}: Micrometer's base unit ({@code bytes}), or null for a plain count. */
  GaugeFamily(MeterRegistry registry, String name, String help, @Nullable String unit,
      String... labels) {
    this.registry = registry;
    this.name = name;
    this.help = help;
    this.unit = unit;
    this.labels = List.of(labels);
  }

  /** The value for these label values (in the order of the labels), registered at 0 if new. */
  AtomicLong of(Object... labelValues) {
    List<Object> key = List.of(labelValues);
    AtomicLong v = values.get(key);
    return v != null ? v : values.computeIfAbsent(key, this::register);
  }

  private AtomicLong register(List<Object> key) {
    if (key.size() != labels.size()) {
      throw new IllegalArgumentException(name + " has labels " + labels + ", given " + key);
    }
    Tags tags = Tags.empty();
    for (int i = 0; i < key.size(); i++) {
      tags = tags.and(labels.get(i), key.get(i).toString());
    }
    AtomicLong v = new AtomicLong();
    Gauge.builder(name, v, AtomicLong::doubleValue).description(help).baseUnit(unit).tags(tags)
        .strongReference(true).register(registry);
    return v;
  }
}
