package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.annotation.Property;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.exec.LocalInferenceService;
import jakarta.inject.Inject;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * {@code planline.graphs: true} from the configuration to the runtime: the server records each
 * shape once per stream and answers later requests from replays, with PyTorch's numbers.
 */
@MicronautTest
@Property(name = "planline.graphs", value = "true")
final class GraphsServerTest {

  @Inject
  EmbeddedServer server;

  @Inject
  LocalInferenceService runtime;

  @Test
  void graphsOn_everyBuiltInModelAnsweredFromReplays() throws IOException {
    Http http = new Http(server);
    long[] before = runtime.executor().replayCounts();
    // the models' warm-ups ran their samples on both streams at start: recorded there
    assertTrue(before[0] >= 3, "a recording per model at start at least: " + before[0]);
    for (String model : new String[] {"digits-mlp", "digits-cnn", "tiny-gpt"}) {
      for (int i = 0; i < 4; i++) {
        InferValuesTest.assertAnswersSample(http, model);
      }
    }
    long[] after = runtime.executor().replayCounts();
    assertEquals(before[0], after[0], "the samples' shapes were recorded already");
    assertTrue(after[1] - before[1] >= 3, "replayed requests: " + (after[1] - before[1]));
    assertEquals(2, runtime.executor().backend().streams(), "the default two streams");
  }
}
