package io.planline.metrics;

import io.micronaut.context.annotation.Context;
import io.planline.config.Backend;
import io.planline.config.ModelRepository;
import io.planline.config.ModelSpec;
import io.planline.config.ServingConfig;
import io.planline.ir.Device;

/**
 * Creates the configured models' and devices' series at start-up, at zero, so that a scrape
 * before the first request already shows every model and the memory series of a known device.
 */
@Context
final class MetricsBootstrap {

  MetricsBootstrap(ServingConfig config, ModelRepository repository, PlanlineMetrics metrics) {
    for (ModelSpec m : config.models()) {
      metrics.registerModel(m.name(), m.version());
    }
    // The repository's models too, loaded or not: their series exist before they first serve.
    for (ModelSpec m : repository.models()) {
      metrics.registerModel(m.name(), m.version());
    }
    // With auto, the device is known only once the runtime has probed for CUDA.
    if (config.backend() == Backend.CPU) {
      metrics.registerDevice(Device.CPU);
    } else if (config.backend() == Backend.CUDA) {
      metrics.registerDevice(Device.CUDA0);
    }
  }
}
