package io.planline.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.HostTensor;
import io.planline.exec.LocalInferenceService;
import io.planline.exec.ReplaySettings;
import io.planline.exec.RuntimeObserver;
import io.planline.model.Model;
import io.planline.model.ModelLoader;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlannerRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;

/**
 * CUDA graphs ({@code planline.graphs}) on the GPU: a shape's launches captured once per slot
 * and replayed answer exactly as the launches run one by one, under concurrency too, and
 * closing the replays gives their memory back.
 */
@Tag("gpu")
final class ReplayGpuTest {

  private static final ReplaySettings ON = new ReplaySettings(true, 256L << 20);

  private static LocalInferenceService service(CudaBackend gpu, String model,
      ReplaySettings replays) {
    Model m = ModelLoader.load(ModelLoader.builtIn(model), model, "1",
        PlannerRegistry.builtIn().get("offset"), PlanOptions.DEFAULT, gpu);
    return ModelRuns.service(gpu, List.of(m), 4, RuntimeObserver.NONE, replays);
  }

  @ParameterizedTest
  @ValueSource(strings = {"digits-mlp", "digits-cnn", "tiny-gpt"})
  void replays_answerAsLaunchesOneByOne(String model) {
    int batch = model.equals("tiny-gpt") ? 2 : 8;
    List<Map<String, HostTensor>> inputs = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      inputs.add(ModelRuns.input(model, batch, i));
    }
    List<float[]> expected = new ArrayList<>();
    // a service closes its backend: one backend each
    try (CudaBackend gpu = CudaBackend.open(4);
        LocalInferenceService plain = service(gpu, model, ReplaySettings.OFF)) {
      for (var in : inputs) {
        expected.add(ModelRuns.infer(plain, model, in).get(0).floats());
      }
    }
    try (CudaBackend gpu = CudaBackend.open(4)) {
      try (LocalInferenceService s = service(gpu, model, ON)) {
        for (int i = 0; i < 6; i++) {
          assertEquals(0.0, HostTensor.relativeError(
              ModelRuns.infer(s, model, inputs.get(i)).get(0).floats(), expected.get(i)),
              model + " request " + i);
        }
        List<List<HostTensor>> together = Flux.range(0, inputs.size())
            .flatMapSequential(i -> s.infer(model, null, inputs.get(i)), 8)
            .collectList().block(Duration.ofSeconds(60));
        for (int i = 0; i < inputs.size(); i++) {
          assertEquals(0.0, HostTensor.relativeError(together.get(i).get(0).floats(),
              expected.get(i)), model + " concurrent request " + i);
        }
        long[] counts = s.executor().replayCounts();
        assertTrue(counts[0] >= 1 && counts[0] <= 4, "graphs captured: " + counts[0]);
        assertTrue(counts[1] >= 5, "requests replayed: " + counts[1]);
        s.executor().close();
        assertEquals(0, gpu.bytesInUse(), "closing the replays frees their memory");
      }
    }
  }
}
