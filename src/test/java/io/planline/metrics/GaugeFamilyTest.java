package io.planline.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.planline.ir.Device;
import org.junit.jupiter.api.Test;

class GaugeFamilyTest {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final GaugeFamily family = new GaugeFamily(registry, "planline.test.bytes",
      "A test gauge", "bytes", "device", "stream");

  @Test
  void of_sameLabelValues_sameValue_oneSeries() {
    Device cpu = new Device("cpu", 0);
    family.of(cpu, "0").set(7);
    // an equal device made anew finds the same series: values are keyed by equality
    family.of(new Device("cpu", 0), "0").addAndGet(5);
    family.of(cpu, "1").set(3);

    assertSame(family.of(cpu, "0"), family.of(new Device("cpu", 0), "0"));
    String text = registry.scrape();
    assertTrue(text.contains("planline_test_bytes{device=\"" + cpu + "\",stream=\"0\"} 12.0"),
        text);
    assertTrue(text.contains("planline_test_bytes{device=\"" + cpu + "\",stream=\"1\"} 3.0"),
        text);
    assertEquals(2, registry.find("planline.test.bytes").gauges().size());
  }

  @Test
  void of_wrongNumberOfLabelValues_refusedNamingTheLabels() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> family.of("cpu:0"));
    assertTrue(e.getMessage().contains("planline.test.bytes has labels [device, stream]"),
        e.getMessage());
    assertTrue(registry.find("planline.test.bytes").gauges().isEmpty());
  }
}
