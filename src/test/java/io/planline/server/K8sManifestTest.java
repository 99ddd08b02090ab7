package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.micronaut.context.env.PropertySource;
import io.planline.config.ServingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@code kubectl apply -k k8s/overlays/cpu} and {@code .../gpu} would send: each overlay is
 * rendered with {@code kubectl kustomize}, every document parses into fabric8's API types with no
 * field the type does not know, and the result agrees with the application (port, health paths,
 * a configuration that validates) and with itself (selectors, targets, names). Needs kubectl;
 * {@link KustomizeStructureTest} checks the files without it.
 */
final class K8sManifestTest {

  /** Rendered documents by overlay name. */
  static final Map<String, List<HasMetadata>> RENDERED = new LinkedHashMap<>();
  static int appPort;
  static int grpcPort;

  @BeforeAll
  static void render() throws Exception {
    Path kubectl = K8sManifests.kubectl();
    Assumptions.assumeTrue(kubectl != null, "kubectl is not installed, so the overlays are not"
        + " rendered (KustomizeStructureTest still checks the files)");
    RENDERED.clear();
    for (String overlay : K8sManifests.OVERLAYS) {
      RENDERED.put(overlay, K8sManifests.render(kubectl,
          K8sManifests.ROOT.resolve("overlays").resolve(overlay)));
    }
    PropertySource app = PlannerSelectionTest.yaml(Path.of("src/main/resources/application.yml"));
    appPort = Integer.parseInt(String.valueOf(app.get("micronaut.server.port")));
    // the gRPC server's key; 8081 is issue 12's default where this build does not set it yet
    Object grpc = app.get("planline.grpc-port");
    grpcPort = grpc == null ? 8081 : Integer.parseInt(String.valueOf(grpc));
  }

  static <T extends HasMetadata> List<T> all(String overlay, Class<T> type) {
    return RENDERED.get(overlay).stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends HasMetadata> T one(String overlay, Class<T> type) {
    List<T> found = all(overlay, type);
    assertEquals(1, found.size(), overlay + ": " + type.getSimpleName() + "s " + found.size());
    return found.get(0);
  }

  static Container container(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static Map<String, String> podLabels(String overlay) {
    return one(overlay, Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
  }

  private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    return !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
  }

  @Test
  void overlays_everyKindOnce_andNoNameShared() {
    Set<String> names = new HashSet<>();
    for (String overlay : RENDERED.keySet()) {
      for (var type : List.of(ConfigMap.class, Deployment.class, Service.class,
          HorizontalPodAutoscaler.class, ServiceMonitor.class, PodDisruptionBudget.class)) {
        one(overlay, type);
      }
      for (HasMetadata r : RENDERED.get(overlay)) {
        // both overlays may run in one namespace: no object of one replaces the other's
        assertTrue(names.add(r.getKind() + "/" + r.getMetadata().getName()),
            overlay + " reuses " + r.getKind() + " " + r.getMetadata().getName());
      }
    }
  }

  @Test
  void selectors_eachOverlaySelectsOnlyItsOwnPods() {
    for (String overlay : RENDERED.keySet()) {
      Map<String, Map<String, String>> selectors = Map.of(
          "Deployment", one(overlay, Deployment.class).getSpec().getSelector().getMatchLabels(),
          "Service", one(overlay, Service.class).getSpec().getSelector(),
          "PodDisruptionBudget",
          one(overlay, PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels());
      for (String other : RENDERED.keySet()) {
        selectors.forEach((kind, selector) -> assertEquals(other.equals(overlay),
            selects(selector, podLabels(other)),
            overlay + "'s " + kind + " selector " + selector + " against " + other + "'s pods"));
        Map<String, String> monitor =
            one(overlay, ServiceMonitor.class).getSpec().getSelector().getMatchLabels();
        assertEquals(other.equals(overlay),
            selects(monitor, one(other, Service.class).getMetadata().getLabels()),
            overlay + "'s ServiceMonitor selector " + monitor + " against " + other + "'s Service");
      }
    }
  }

  @Test
  void deployments_portAndProbesMatchTheServer() {
    for (String overlay : RENDERED.keySet()) {
      Deployment d = one(overlay, Deployment.class);
      Container c = container(d);
      assertEquals(appPort, c.getPorts().get(0).getContainerPort(), overlay);
      assertTrue(c.getPorts().stream().anyMatch(p -> p.getName().equals("grpc")
          && p.getContainerPort() == grpcPort), overlay + ": no grpc port " + grpcPort);
      String portName = c.getPorts().get(0).getName();
      checkProbe(portName, c.getLivenessProbe().getHttpGet(), ServerController.LIVE);
      checkProbe(portName, c.getReadinessProbe().getHttpGet(), ServerController.READY);
      checkProbe(portName, c.getStartupProbe().getHttpGet(), ServerController.LIVE);
      assertFalse(c.getResources().getRequests().isEmpty(), overlay + ": requests");
      assertFalse(c.getResources().getLimits().isEmpty(), overlay + ": limits");
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
    for (String overlay : RENDERED.keySet()) {
      Deployment d = one(overlay, Deployment.class);
      var pod = d.getSpec().getTemplate().getSpec();
      Container c = container(d);
      Path path = Path.of(env(c, "MICRONAUT_CONFIG_FILES"));
      VolumeMount mount = c.getVolumeMounts().stream()
          .filter(m -> m.getMountPath().equals(path.getParent().toString())).findFirst()
          .orElseThrow(() -> new AssertionError("nothing mounted at " + path.getParent()));
      Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
          .findFirst().orElseThrow();
      ConfigMap cm = one(overlay, ConfigMap.class);
      assertEquals(cm.getMetadata().getName(), volume.getConfigMap().getName(), overlay);
      String yaml = cm.getData().get(path.getFileName().toString());
      assertNotNull(yaml, cm.getMetadata().getName() + " has no key " + path.getFileName());
      ServingConfig config = ServingConfigCheck.validate(yaml);
      assertEquals(overlay.equals("gpu") ? "cuda" : "cpu", config.backend().configName(), overlay);
    }
  }

  static String env(Container c, String name) {
    return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue)
        .findFirst().orElseThrow(() -> new AssertionError(c.getName() + " has no env " + name));
  }

  @Test
  void gpuOverlay_requestsOneGpu_cpuOverlayNone() {
    var gpu = container(one("gpu", Deployment.class)).getResources().getLimits();
    assertEquals(new Quantity("1"), gpu.get("nvidia.com/gpu"));
    var cpu = container(one("cpu", Deployment.class)).getResources().getLimits();
    assertFalse(cpu.containsKey("nvidia.com/gpu"), "the CPU overlay asks for a GPU");
  }

  @Test
  void service_targetsTheContainerPorts() {
    for (String overlay : RENDERED.keySet()) {
      Service s = one(overlay, Service.class);
      ServicePort p = s.getSpec().getPorts().get(0);
      assertEquals(appPort, p.getPort());
      Set<String> containerPorts = new HashSet<>();
      container(one(overlay, Deployment.class)).getPorts().forEach(cp ->
          containerPorts.add(cp.getName()));
      for (ServicePort sp : s.getSpec().getPorts()) {
        assertTrue(containerPorts.contains(sp.getTargetPort().getStrVal()),
            overlay + ": Service port " + sp.getName() + " targets no container port");
      }
    }
  }

  @Test
  void serviceMonitor_scrapesPrometheusOnTheServicePort_selectedByKubePrometheusStack() {
    for (String overlay : RENDERED.keySet()) {
      ServiceMonitor m = one(overlay, ServiceMonitor.class);
      Service s = one(overlay, Service.class);
      assertEquals("/prometheus", m.getSpec().getEndpoints().get(0).getPath());
      assertEquals(s.getSpec().getPorts().get(0).getName(),
          m.getSpec().getEndpoints().get(0).getPort());
      // kube-prometheus-stack's default serviceMonitorSelector: release=<Helm release>
      assertEquals("kube-prometheus-stack", m.getMetadata().getLabels().get("release"), overlay);
    }
  }

  @Test
  void hpaAndPdb_targetTheOverlaysDeployment() {
    for (String overlay : RENDERED.keySet()) {
      Deployment d = one(overlay, Deployment.class);
      HorizontalPodAutoscaler h = one(overlay, HorizontalPodAutoscaler.class);
      assertEquals("Deployment", h.getSpec().getScaleTargetRef().getKind());
      assertEquals(d.getMetadata().getName(), h.getSpec().getScaleTargetRef().getName(), overlay);
      assertTrue(h.getSpec().getMinReplicas() >= 1
          && h.getSpec().getMaxReplicas() >= h.getSpec().getMinReplicas(), overlay);
      // the HPA owns the replica count; a fixed one would be reset by every apply
      assertEquals(null, d.getSpec().getReplicas(), overlay + ": replicas set beside an HPA");
      PodDisruptionBudget pdb = one(overlay, PodDisruptionBudget.class);
      assertTrue(selects(pdb.getSpec().getSelector().getMatchLabels(), podLabels(overlay)));
      // maxUnavailable: a one-replica overlay must still let nodes drain
      assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal(), overlay);
    }
  }

  @Test
  void images_taggedWithThePomVersion() throws Exception {
    String version = K8sManifests.pomVersion();
    for (String overlay : RENDERED.keySet()) {
      String image = container(one(overlay, Deployment.class)).getImage();
      assertTrue(image.endsWith(":" + version), overlay + ": image " + image + " is not tagged "
          + version);
    }
    assertEquals("planline-gpu:" + version, container(one("gpu", Deployment.class)).getImage());
  }

  @Test
  void dockerfile_userIsTheDeploymentsRunAsUser() throws Exception {
    String docker = Files.readString(Path.of("Dockerfile"));
    for (String overlay : RENDERED.keySet()) {
      Long user = one(overlay, Deployment.class).getSpec().getTemplate().getSpec()
          .getSecurityContext().getRunAsUser();
      assertTrue(docker.contains("USER " + user), "image user differs from runAsUser " + user);
    }
  }
}
