package io.planline.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.util.Set;

/**
 * Keeps the whole {@code /prometheus} exposition within Prometheus' naming rules, so that it
 * passes {@code promtool check metrics}: drops the two Micrometer built-ins whose names break them
 * ({@code process_cpu_time_ns_total}: an abbreviated unit; {@code system_cpu_count}: a gauge with
 * a {@code _count} suffix; {@code process_cpu_usage} and {@code system_cpu_usage} still report the
 * CPU), and gives meters that libraries register without a description one.
 */
@Factory
final class MeterFilters {

  /** The denied Micrometer meter names. */
  static final Set<String> DENIED = Set.of("process.cpu.time", "system.cpu.count");

  /** Drops {@link #DENIED}. */
  @Singleton
  MeterFilter promtoolNames() {
    return MeterFilter.deny(id -> DENIED.contains(id.getName()));
  }

  /** Describes undescribed meters by their name and tags (Prometheus wants HELP on each). */
  @Singleton
  MeterFilter promtoolHelp() {
    return new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        if (id.getDescription() != null && !id.getDescription().isBlank()) {
          return id;
        }
        return new Meter.Id(id.getName(), Tags.of(id.getTagsAsIterable()), id.getBaseUnit(),
            id.getName().replace('.', ' ') + " (registered without a description)",
            id.getType());
      }
    };
  }
}
