package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.env.PropertySource;
import io.planline.server.Dockerfiles.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile's structure. No Docker engine runs on this project's machines (the client is
 * installed, the daemon is not), so the images are not built here: the test checks the stages,
 * their pinned bases, that the GPU build stage has CUDA's compiler and refuses a jar without
 * every kernel, and that each runtime stage carries the jar of its own build stage.
 */
final class DockerfileTest {

  static String docker;
  static Map<String, Stage> stages;
  static List<Stage> ordered;

  @BeforeAll
  static void read() throws Exception {
    docker = Files.readString(Path.of("Dockerfile"));
    ordered = Dockerfiles.stages(docker);
    stages = ordered.stream().filter(s -> s.name() != null)
        .collect(Collectors.toMap(Stage::name, Function.identity()));
  }

  @Test
  void stages_cpuIsTheDefault_gpuIsATarget() {
    assertTrue(stages.keySet().containsAll(List.of("build", "build-gpu", "gpu", "cpu")),
        stages.keySet().toString());
    // a plain `docker build .` builds the last stage
    assertEquals("cpu", ordered.get(ordered.size() - 1).name());
    assertTrue(docker.contains("docker build --target gpu -t planline-gpu:"),
        "the header documents the GPU image the gpu overlay names (planline-gpu)");
  }

  @Test
  void baseImages_pinnedToVersions() {
    assertEquals(List.of(), Dockerfiles.unpinned(ordered));
  }

  @Test
  void unpinned_latestOrBareOrMajorOnly_namedWithTheLine() {
    List<Stage> bad = Dockerfiles.stages(String.join("\n", "ARG BASE=ubuntu",
        "FROM ${BASE} AS a", "RUN true", "FROM eclipse-temurin:17-jre", "FROM a",
        "FROM busybox:latest", "FROM nvidia/cuda:13.0.0-runtime-ubuntu24.04", ""));
    assertEquals(List.of("line 2: FROM ubuntu is not pinned to a version",
        "line 4: FROM eclipse-temurin:17-jre is not pinned to a version",
        "line 6: FROM busybox:latest is not pinned to a version"), Dockerfiles.unpinned(bad));
  }

  @Test
  void stages_argWithoutDefault_refusedNamingIt() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> Dockerfiles.stages("ARG BASE\nFROM ${IMAGE}\n"));
    assertEquals("FROM ${IMAGE}: ARG IMAGE has no default before the first FROM", e.getMessage());
  }

  @Test
  void gpuBuild_hasNvcc_buildsThePtx_andRefusesAJarWithoutEveryKernel() throws Exception {
    Stage build = stages.get("build-gpu");
    // CUDA's devel images carry nvcc; runtime and base images do not
    assertTrue(build.from().startsWith("nvidia/cuda:") && build.from().contains("-devel-"),
        build.from());
    assertTrue(build.all("RUN").stream().anyMatch(r -> r.contains("mvn") && r.contains("package")),
        "build-gpu does not package the jar");
    String check = String.join("\n", build.all("RUN"));
    assertTrue(check.contains("src/main/cuda/*.cu") && check.contains("cuda/$m.ptx")
        && check.contains("exit 1"), "no check that every kernel's PTX is in the jar:\n" + check);
    // the pom compiles every .cu there; the check above covers the same files
    try (var cu = Files.list(Path.of("src/main/cuda"))) {
      assertTrue(cu.anyMatch(p -> p.toString().endsWith(".cu")), "no kernels to build");
    }
    String runtime = stages.get("gpu").from();
    assertEquals(version(build.from()), version(runtime), "CUDA of build and runtime differ");
    assertTrue(runtime.contains("-runtime-"), "gpu stage needs cuBLAS: a CUDA runtime image");
  }

  private static String version(String cudaImage) {
    return cudaImage.replaceFirst("^nvidia/cuda:([0-9.]+)-.*$", "$1");
  }

  @Test
  void runtimeStages_copyTheirOwnBuildsJar_exposeHttpAndGrpc_runAsNonRoot() throws Exception {
    PropertySource app = PlannerSelectionTest.yaml(Path.of("src/main/resources/application.yml"));
    String port = String.valueOf(app.get("micronaut.server.port"));
    Map<String, String> builtBy = Map.of("cpu", "build", "gpu", "build-gpu");
    builtBy.forEach((runtime, build) -> {
      Stage s = stages.get(runtime);
      assertTrue(s.all("COPY").contains("--from=" + build + " /src/target/planline.jar"
          + " /app/planline.jar"), runtime + " does not carry " + build + "'s jar: " + s.all("COPY"));
      assertTrue(s.all("EXPOSE").stream().anyMatch(e -> List.of(e.split("\\s+")).containsAll(
          List.of(port, "8081"))), runtime + ": EXPOSE " + s.all("EXPOSE"));
      assertEquals(List.of("10001"), s.all("USER"), runtime + ": USER");
      assertTrue(s.all("ENTRYPOINT").get(0).endsWith("\"-jar\", \"/app/planline.jar\"]"),
          runtime + ": " + s.all("ENTRYPOINT"));
    });
  }

  @Test
  void dockerignore_sendsOnlyWhatTheBuildsCopy() throws Exception {
    List<String> lines = Files.readAllLines(Path.of(".dockerignore")).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    assertEquals(List.of("*", "!pom.xml", "!src"), lines);
    for (Stage s : ordered) {
      for (String copy : s.all("COPY")) {
        if (!copy.startsWith("--from=")) {
          String source = copy.split("\\s+")[0];
          assertTrue(source.equals("pom.xml") || source.equals("src"),
              "COPY of " + source + " which .dockerignore leaves out");
        }
      }
    }
  }
}
