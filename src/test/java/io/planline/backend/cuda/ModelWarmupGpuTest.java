package io.planline.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.planline.exec.LocalInferenceService;
import io.planline.exec.RuntimeObserver;
import io.planline.exec.RuntimeSettings;
import io.planline.exec.Runtimes;
import io.planline.model.ModelLoader;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The models' warm-up with their own samples on the CUDA backend: every built-in model is
 * warmed on both streams before it is ready, and its outputs there are within 1e-4 of
 * PyTorch's (no warning).
 */
@Tag("gpu")
final class ModelWarmupGpuTest {

  @Test
  void start_everyBuiltInWarmedOnTheGpuWithinTolerance() {
    Logger logger = (Logger) LoggerFactory.getLogger("io.planline.exec.ModelWarmup");
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    logger.addAppender(seen);
    var models = ModelLoader.BUILT_IN.stream()
        .map(m -> new RuntimeSettings.ModelSpec(m, "1", null, null)).toList();
    try (LocalInferenceService s = Runtimes.create(new RuntimeSettings("cuda", "offset", models,
        64, 2, 16, Long.MAX_VALUE, 1_000).withWarmupRounds(2), RuntimeObserver.NONE)) {
      List<ILoggingEvent> events = List.copyOf(seen.list);
      events.forEach(e -> System.out.println("warm-up: " + e.getFormattedMessage()));
      assertEquals(0, events.stream().filter(e -> e.getLevel() == Level.WARN).count(),
          "no model off PyTorch's outputs");
      for (String m : ModelLoader.BUILT_IN) {
        assertTrue(events.stream().anyMatch(e -> e.getFormattedMessage().startsWith(
            "warmed model '" + m + "' version '1' up with its sample")
            && e.getFormattedMessage().contains("requests")), m + ": " + events);
        assertTrue(s.ready(m, null), m);
      }
    } finally {
      logger.detachAppender(seen);
    }
  }
}
