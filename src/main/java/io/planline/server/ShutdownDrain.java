package io.planline.server;

import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import io.micronaut.runtime.graceful.GracefulShutdownCapable;
import io.micronaut.runtime.graceful.GracefulShutdownManager;
import io.planline.config.ServingConfig;
import io.planline.exec.LocalInferenceService;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Stops the server without losing a request it accepted.
 *
 * <p>On SIGTERM, in order: (1) the runtime drains at once: readiness answers 503 and every new
 * infer request gets 503 with {@code Retry-After}, while the listener stays open so that clients
 * and probes hear it; (2) every admitted request, running or queued, runs to the end; (3)
 * Micronaut's graceful shutdown ({@link GracefulShutdownManager}) stops the listener and waits
 * for the responses still being written; (4) the process exits with status 0. Steps 2 and 3 each
 * wait at most {@code planline.shutdown-timeout-seconds}.
 *
 * <p>The runtime is itself a graceful-shutdown participant, so a context stopped any other way
 * with {@code micronaut.lifecycle.graceful-shutdown.enabled} drains it too.
 */
@Singleton
@Requires(bean = LocalInferenceService.class)
final class ShutdownDrain implements GracefulShutdownCapable {

  private static final Logger LOG = LoggerFactory.getLogger(ShutdownDrain.class);

  private final LocalInferenceService runtime;
  private final BeanProvider<GracefulShutdownManager> manager;
  private final Duration timeout;
  private final boolean sigtermDrain;

  ShutdownDrain(LocalInferenceService runtime, BeanProvider<GracefulShutdownManager> manager,
      ServingConfig config,
      @Value("${planline.internal.sigterm-drain:false}") boolean sigtermDrain) {
    this.sigtermDrain = sigtermDrain;
    this.runtime = runtime;
    this.manager = manager;
    this.timeout = Duration.ofSeconds(config.limits().shutdownTimeoutSeconds());
  }

  @Override
  public CompletionStage<?> shutdownGracefully() {
    return runtime.drain();
  }

  @Override
  public OptionalLong reportActiveTasks() {
    return OptionalLong.of(runtime.admission().running() + runtime.admission().queued());
  }

  /**
   * Handles SIGTERM as described above instead of the JVM's immediate exit (status 143), once the
   * server listens. Only when {@code planline.internal.sigterm-drain} is set, which the
   * {@code serve} verb does: a test's JVM that embeds the server keeps its own signal handling.
   */
  @EventListener
  void installSigtermHandler(ServerStartupEvent started) {
    if (!sigtermDrain) {
      return;
    }
    Signal.handle(new Signal("TERM"), signal -> {
      Thread stopper = new Thread(this::stop, "planline-shutdown");
      stopper.start();
    });
  }

  private void stop() {
    long start = System.nanoTime();
    LOG.info("SIGTERM: draining; {} requests admitted", reportActiveTasks().orElse(0));
    await("admitted requests", runtime.drain());
    await("open responses", manager.get().shutdownGracefully());
    LOG.info("drained in {} ms; exiting", (System.nanoTime() - start) / 1_000_000);
    System.exit(0); // runs Micronaut's shutdown hook, which stops the server and the runtime
  }

  private void await(String what, CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warn("{} not finished after {} (planline.shutdown-timeout-seconds; admission: {}"
          + " running, {} queued, {} bytes reserved); stopping anyway", what, timeout,
          runtime.admission().running(), runtime.admission().queued(),
          runtime.admission().reservedBytes());
    } catch (ExecutionException e) {
      LOG.warn("waiting for {} failed", what, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
