package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.micronaut.context.env.PropertySource;
import io.planline.config.ServingConfig;
import io.planline.plan.PlannerRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Every manifest in {@code k8s/} parses into fabric8's Kubernetes API types with no field the
 * type does not know (a misspelt key lands in {@code additionalProperties}), and agrees with the
 * application: container port and probe paths match the server's, the ConfigMap is mounted where
 * {@code MICRONAUT_CONFIG_FILES} points and holds a configuration that validates, and the
 * Service, ServiceMonitor, HPA and scrape annotations point at what exists.
 */
final class K8sManifestTest {

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "ConfigMap", ConfigMap.class, "Deployment", Deployment.class, "Service", Service.class,
      "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
      "ServiceMonitor", ServiceMonitor.class);

  static final List<HasMetadata> RESOURCES = new ArrayList<>();
  static int appPort;

  @BeforeAll
  static void parse() throws IOException {
    RESOURCES.clear();
    try (Stream<Path> files = Files.list(Path.of("k8s"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(f)) {
          for (Object doc : new Yaml().loadAll(in)) {
            RESOURCES.add(typed(f, doc));
          }
        }
      }
    }
    PropertySource app = PlannerSelectionTest.yaml(Path.of("src/main/resources/application.yml"));
    appPort = Integer.parseInt(String.valueOf(app.get("micronaut.server.port")));
  }

  private static HasMetadata typed(Path file, Object doc) {
    @SuppressWarnings("unchecked") // a YAML document at top level is a mapping
    Map<String, Object> map = (Map<String, Object>) doc;
    String kind = String.valueOf(map.get("kind"));
    Class<? extends HasMetadata> type = KINDS.get(kind);
    assertNotNull(type, file + ": no check knows kind " + kind);
    HasMetadata r = JSON.convertValue(map, type);
    assertEquals(HasMetadata.getApiVersion(type), r.getApiVersion(), file + ": apiVersion");
    List<String> unknown = new ArrayList<>();
    UnknownFields.collect(r, kind, unknown);
    assertTrue(unknown.isEmpty(), file + ": fields the API type does not know: " + unknown);
    return r;
  }

  static <T extends HasMetadata> List<T> all(Class<T> type) {
    return RESOURCES.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends HasMetadata> T named(Class<T> type, String name) {
    return all(type).stream().filter(r -> r.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }

  @Test
  void manifests_everyKindPresent() {
    for (var type : KINDS.values()) {
      assertFalse(all(type).isEmpty(), "no " + type.getSimpleName() + " in k8s/");
    }
    assertEquals(2, all(Deployment.class).size(), "the CPU Deployment and its GPU variant");
  }

  @Test
  void deployments_portAndProbesMatchTheServer() {
    for (Deployment d : all(Deployment.class)) {
      Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
      assertEquals(appPort, c.getPorts().get(0).getContainerPort(), d.getMetadata().getName());
      String portName = c.getPorts().get(0).getName();
      checkProbe(portName, c.getLivenessProbe().getHttpGet(), ServerController.LIVE);
      checkProbe(portName, c.getReadinessProbe().getHttpGet(), ServerController.READY);
      checkProbe(portName, c.getStartupProbe().getHttpGet(), ServerController.LIVE);
      assertFalse(c.getResources().getRequests().isEmpty(), "requests");
      assertFalse(c.getResources().getLimits().isEmpty(), "limits");
      Map<String, String> notes = d.getSpec().getTemplate().getMetadata().getAnnotations();
      assertEquals("true", notes.get("prometheus.io/scrape"));
      assertEquals("/prometheus", notes.get("prometheus.io/path"));
      assertEquals(Integer.toString(appPort), notes.get("prometheus.io/port"));
    }
  }

  private static void checkProbe(String portName, HTTPGetAction probe, String path) {
    assertEquals(path, probe.getPath());
    Object port = probe.getPort().getStrVal() != null ? probe.getPort().getStrVal()
        : probe.getPort().getIntVal();
    assertTrue(port.equals(portName) || port.equals(appPort), "probe port " + port);
  }

  @Test
  void deployments_configMapMountedWhereMicronautConfigFilesPoints() throws Exception {
    for (Deployment d : all(Deployment.class)) {
      var pod = d.getSpec().getTemplate().getSpec();
      Container c = pod.getContainers().get(0);
      String file = c.getEnv().stream().filter(e -> e.getName().equals("MICRONAUT_CONFIG_FILES"))
          .map(EnvVar::getValue).findFirst().orElseThrow();
      Path path = Path.of(file);
      VolumeMount mount = c.getVolumeMounts().stream()
          .filter(m -> m.getMountPath().equals(path.getParent().toString())).findFirst()
          .orElseThrow(() -> new AssertionError("nothing mounted at " + path.getParent()));
      Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
          .findFirst().orElseThrow();
      ConfigMap cm = named(ConfigMap.class, volume.getConfigMap().getName());
      String yaml = cm.getData().get(path.getFileName().toString());
      assertNotNull(yaml, cm.getMetadata().getName() + " has no key " + path.getFileName());
      ServingConfig config = validate(yaml);
      boolean gpu = c.getResources().getLimits().containsKey("nvidia.com/gpu");
      assertEquals(gpu ? "cuda" : "cpu", config.backend().configName(), d.getMetadata().getName());
    }
  }

  /**
   * Validates a mounted configuration as start-up would; planners this build does not register
   * yet (but the issue names) are swapped for a registered one so the rest is still checked.
   */
  private static ServingConfig validate(String yaml) throws IOException {
    Map<String, Object> props = new HashMap<>(new io.micronaut.context.env.yaml
        .YamlPropertySourceLoader().read("configmap", new java.io.ByteArrayInputStream(
            yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    props.put("planline.planner", knownPlanner(props.get("planline.planner")));
    if (props.get("planline.models") instanceof List<?> models) {
      List<Object> swapped = new ArrayList<>();
      for (Object m : models) {
        @SuppressWarnings("unchecked") // YAML list entries here are mappings
        Map<String, Object> entry = new HashMap<>((Map<String, Object>) m);
        if (entry.containsKey("planner")) {
          entry.put("planner", knownPlanner(entry.get("planner")));
        }
        swapped.add(entry);
      }
      props.put("planline.models", swapped);
    }
    try (var ctx = io.micronaut.context.ApplicationContext.run(props, "test", "config-check")) {
      return ctx.getBean(ServingConfig.class);
    }
  }

  /** A planner the issue names, swapped for a registered one when this build lacks it. */
  private static String knownPlanner(Object name) {
    String planner = String.valueOf(name);
    assertTrue(PlannerSelectionTest.STRATEGIES.contains(planner), "unknown planner " + planner);
    List<String> registered = PlannerRegistry.builtIn().names();
    return registered.contains(planner) ? planner : registered.get(0);
  }

  @Test
  void gpuDeployment_requestsOneGpu() {
    Deployment gpu = named(Deployment.class, "planline-gpu");
    var limits = gpu.getSpec().getTemplate().getSpec().getContainers().get(0).getResources()
        .getLimits();
    assertEquals(new Quantity("1"), limits.get("nvidia.com/gpu"));
  }

  @Test
  void service_targetsTheContainerPortAndSelectsThePods() {
    Service s = named(Service.class, "planline");
    ServicePort p = s.getSpec().getPorts().get(0);
    assertEquals(appPort, p.getPort());
    for (Deployment d : all(Deployment.class)) {
      Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
      assertEquals(c.getPorts().get(0).getName(), p.getTargetPort().getStrVal());
      assertTrue(d.getSpec().getTemplate().getMetadata().getLabels().entrySet()
          .containsAll(s.getSpec().getSelector().entrySet()), "selector misses pods");
    }
  }

  @Test
  void serviceMonitor_scrapesPrometheusOnTheServicePort() {
    ServiceMonitor m = all(ServiceMonitor.class).get(0);
    Service s = named(Service.class, "planline");
    assertEquals("/prometheus", m.getSpec().getEndpoints().get(0).getPath());
    assertEquals(s.getSpec().getPorts().get(0).getName(), m.getSpec().getEndpoints().get(0)
        .getPort());
    assertTrue(s.getMetadata().getLabels().entrySet()
        .containsAll(m.getSpec().getSelector().getMatchLabels().entrySet()));
  }

  @Test
  void hpa_scalesTheCpuDeployment() {
    HorizontalPodAutoscaler h = all(HorizontalPodAutoscaler.class).get(0);
    assertEquals("Deployment", h.getSpec().getScaleTargetRef().getKind());
    named(Deployment.class, h.getSpec().getScaleTargetRef().getName());
    assertTrue(h.getSpec().getMinReplicas() >= 1
        && h.getSpec().getMaxReplicas() >= h.getSpec().getMinReplicas());
  }

  @Test
  void dockerfile_exposesTheAppPortAndRunsTheJar() throws IOException {
    String docker = Files.readString(Path.of("Dockerfile"));
    assertTrue(docker.contains("EXPOSE " + appPort), docker);
    assertTrue(docker.contains("\"-jar\", \"/app/planline.jar\"]"), docker);
    for (Deployment d : all(Deployment.class)) {
      Long user = d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser();
      assertTrue(docker.contains("USER " + user), "image user differs from runAsUser " + user);
    }
  }
}
