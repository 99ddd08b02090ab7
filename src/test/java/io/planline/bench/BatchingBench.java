package io.planline.bench;

import io.planline.backend.HostTensor;
import io.planline.exec.LocalInferenceService;
import io.planline.exec.RuntimeSettings;
import io.planline.exec.Runtimes;
import io.planline.exec.batch.BatchSettings;
import io.planline.model.ModelLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import reactor.core.publisher.Flux;

/**
 * Dynamic batching off against on without HTTP: tiny-gpt [1,64] on Inductor's CPU kernels,
 * {@code CLIENTS} requests in flight through {@code LocalInferenceService} (the server's path
 * below the protocol), requests per second for each setting, the settings alternated over
 * rounds. It separates what batching gives the CPU's compute from what it saves in the HTTP
 * layer, which {@code tools/loadtest-batching.sh} measures together.
 *
 * <p>Run (after {@code mvn test-compile}): {@code java -cp target/test-classes:target/classes:CP
 * io.planline.bench.BatchingBench [CLIENTS] [REQUESTS] [SETTINGS] [ROUNDS]}, defaults 16, 6000,
 * {@code off,8:2000,16:2000}, 2. A setting is {@code off} or {@code PREFERRED:DELAY_MICROS}
 * (PREFERRED may be empty: none), each with a maximum batch of 64 and two requests executing
 * at once, the server's default.
 */
public final class BatchingBench {

  private BatchingBench() {}

  public static void main(String[] args) {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 16;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 6000;
    String[] settings = (args.length > 2 ? args[2] : "off,8:2000,16:2000").split(",");
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    System.out.printf(Locale.ROOT, "# java %s, %d cores; tiny-gpt [1,64], %d in flight, %d"
        + " requests per measurement after %d of warm-up, %d round(s)%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), clients,
        requests, requests / 2, rounds);
    Random rnd = new Random(3);
    long[] tokens = new long[64];
    for (int j = 0; j < tokens.length; j++) {
      tokens[j] = rnd.nextInt(256);
    }
    var input = Map.of("tokens", HostTensor.ofLongs("tokens", new long[] {1, 64}, tokens));
    for (int round = 1; round <= rounds; round++) {
      List<String> row = new ArrayList<>();
      for (String setting : settings) {
        try (LocalInferenceService s = Runtimes.create(new RuntimeSettings("cpu", "offset",
            List.of(new RuntimeSettings.ModelSpec("tiny-gpt", "1", null, null,
                ModelLoader.Kernels.INDUCTOR, batching(setting))), 256, 2, 1024,
            Long.MAX_VALUE, 1_000))) {
          run(s, input, requests / 2, clients);
          long start = System.nanoTime();
          run(s, input, requests, clients);
          double seconds = (System.nanoTime() - start) / 1e9;
          row.add(String.format(Locale.ROOT, "%s %.0f req/s", setting, requests / seconds));
        }
      }
      System.out.println("round " + round + ": " + String.join(", ", row));
    }
  }

  private static void run(LocalInferenceService s, Map<String, HostTensor> input, int requests,
      int clients) {
    Flux.range(0, requests).flatMap(i -> s.infer("tiny-gpt", null, input), clients)
        .blockLast();
  }

  /** {@code off} or {@code PREFERRED:DELAY_MICROS}, with at most 64 rows a batch. */
  static BatchSettings batching(String setting) {
    if (setting.equals("off")) {
      return BatchSettings.OFF;
    }
    String[] parts = setting.split(":", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException("a setting is off or PREFERRED:DELAY_MICROS, not "
          + setting);
    }
    List<Integer> preferred = parts[0].isEmpty() ? List.of() : List.of(Integer.parseInt(parts[0]));
    return BatchSettings.of(64, preferred, Long.parseLong(parts[1]));
  }
}
