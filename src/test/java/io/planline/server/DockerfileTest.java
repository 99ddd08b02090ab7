package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.env.PropertySource;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The Dockerfile's structure (no Docker engine here builds it): port and entry point. */
final class DockerfileTest {

  @Test
  void dockerfile_exposesTheAppPortAndRunsTheJar() throws Exception {
    PropertySource app = PlannerSelectionTest.yaml(Path.of("src/main/resources/application.yml"));
    String port = String.valueOf(app.get("micronaut.server.port"));
    String docker = Files.readString(Path.of("Dockerfile"));
    assertTrue(docker.contains("EXPOSE " + port), docker);
    assertTrue(docker.contains("\"-jar\", \"/app/planline.jar\"]"), docker);
  }
}
