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
import java.util.concurrent.Callable;

/**
 * Dynamic batching off against on without HTTP: tiny-gpt [1,64] on Inductor's CPU kernels,
 * {@code CLIENTS} callers each sending its next request when its answer comes (as {@code hey}'s
 * clients do; {@link ModelBench#throughput}) through {@code LocalInferenceService} (the server's
 * path below the protocol), requests per second for each setting, the settings alternated over
 * rounds. It separates what batching gives the CPU's compute from what it saves in the HTTP
 * layer, which {@code tools/loadtest-batching.sh} measures together.
 *
 * <p>Run (after {@code mvn test-compile}): {@code java -cp target/test-classes:target/classes:CP
 * io.planline.bench.BatchingBench [CLIENTS] [SECONDS] [SETTINGS] [ROUNDS]}, defaults 16, 3,
 * {@code off,8:2000,16:2000}, 2; each measurement follows half as long of warm-up. A setting is {@code off} or {@code PREFERRED:DELAY_MICROS}
 * (PREFERRED may be empty: none), each with a maximum batch of 64 and two requests executing
 * at once, the server's default.
 */
public final class BatchingBench {

  private BatchingBench() {}

  public static void main(String[] args) throws Exception {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 16;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
    String[] settings = (args.length > 2 ? args[2] : "off,8:2000,16:2000").split(",");
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    System.out.printf(Locale.ROOT, "# java %s, %d cores; tiny-gpt [1,64], %d callers, %.1f s"
        + " per measurement after %.1f s of warm-up, %d round(s)%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), clients,
        seconds, seconds / 2, rounds);
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
          Callable<Object> call = () -> s.infer("tiny-gpt", null, input).block();
          ModelBench.throughput(call, clients, seconds / 2);
          row.add(String.format(Locale.ROOT, "%s %.0f req/s", setting,
              ModelBench.throughput(call, clients, seconds)));
        }
      }
      System.out.println("round " + round + ": " + String.join(", ", row));
    }
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
