package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Volume;
import io.micronaut.context.env.PropertySource;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code k8s/kserve/}: the ServingRuntime and the example InferenceService. fabric8 has no KServe
 * types, so the specs are checked against the fields of KServe's own API types
 * ({@code ServingRuntimeSpec} in {@code pkg/apis/serving/v1alpha1}), and the containers and
 * volumes they embed are parsed strictly as Kubernetes types.
 */
final class KServeManifestTest {

  /** ServingRuntimeSpec's JSON fields, with the pod fields it inlines (KServe v0.15). */
  static final Set<String> RUNTIME_FIELDS = Set.of("supportedModelFormats", "multiModel",
      "disabled", "protocolVersions", "workerSpec", "containers", "volumes", "nodeSelector",
      "affinity", "tolerations", "labels", "annotations", "imagePullSecrets", "hostIPC",
      "grpcEndpoint", "grpcDataEndpoint", "httpDataEndpoint", "replicas", "storageHelper",
      "builtInAdapter");
  /** Where KServe's storage initializer puts the storageUri's contents. */
  static final String MODEL_MOUNT = "/mnt/models";

  private static final ObjectMapper STRICT = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
  private static final Path DIR = K8sManifests.ROOT.resolve("kserve");

  static Map<String, Object> runtime;
  static Map<String, Object> service;
  static int httpPort;
  static int grpcPort;

  @BeforeAll
  static void read() throws Exception {
    runtime = doc("servingruntime.yaml");
    service = doc("inferenceservice.yaml");
    PropertySource app = PlannerSelectionTest.yaml(Path.of("src/main/resources/application.yml"));
    httpPort = Integer.parseInt(String.valueOf(app.get("micronaut.server.port")));
    // the gRPC server's key; 8081 is issue 12's default where this build does not set it yet
    Object grpc = app.get("planline.grpc-port");
    grpcPort = grpc == null ? 8081 : Integer.parseInt(String.valueOf(grpc));
  }

  @SuppressWarnings("unchecked") // a manifest is a YAML mapping at the top
  private static Map<String, Object> doc(String file) throws Exception {
    try (InputStream in = Files.newInputStream(DIR.resolve(file))) {
      return (Map<String, Object>) new Yaml().load(in);
    }
  }

  @SuppressWarnings("unchecked") // walks YAML mappings
  static Object at(Map<String, Object> doc, String... path) {
    Object node = doc;
    for (String key : path) {
      node = node instanceof Map<?, ?> m ? ((Map<String, Object>) m).get(key) : null;
    }
    return node;
  }

  /** What is wrong with a ServingRuntime for planline; empty when nothing is. */
  static List<String> runtimeProblems(Map<String, Object> doc) {
    List<String> out = new ArrayList<>();
    if (!"serving.kserve.io/v1alpha1".equals(doc.get("apiVersion"))
        || !"ServingRuntime".equals(doc.get("kind"))) {
      out.add("not a serving.kserve.io/v1alpha1 ServingRuntime: " + doc.get("apiVersion") + " "
          + doc.get("kind"));
    }
    if (!(doc.get("spec") instanceof Map<?, ?> spec)) {
      out.add("no spec");
      return out;
    }
    for (Object key : spec.keySet()) {
      if (!RUNTIME_FIELDS.contains(String.valueOf(key))) {
        out.add("spec." + key + " is not a ServingRuntimeSpec field");
      }
    }
    List<?> formats = spec.get("supportedModelFormats") instanceof List<?> l ? l : List.of();
    if (formats.stream().noneMatch(f -> f instanceof Map<?, ?> m && "planline".equals(m.get("name")))) {
      out.add("spec.supportedModelFormats has no planline entry");
    }
    Object protocols = spec.get("protocolVersions");
    for (String p : List.of("v2", "grpc-v2")) {
      if (!(protocols instanceof List<?> l && l.contains(p))) {
        out.add("spec.protocolVersions lacks " + p);
      }
    }
    return out;
  }

  @Test
  void servingRuntime_planlineFormatV2ProtocolsKnownFieldsOnly() {
    assertEquals(List.of(), runtimeProblems(runtime));
  }

  @Test
  void servingRuntime_badSpec_eachProblemNamed() {
    Map<String, Object> bad = Map.of("apiVersion", "serving.kserve.io/v1beta1",
        "kind", "ServingRuntime", "spec", Map.of(
            "supportedModelFormat", List.of(Map.of("name", "planline")),
            "protocolVersions", List.of("v2")));
    assertEquals(List.of(
        "not a serving.kserve.io/v1alpha1 ServingRuntime: serving.kserve.io/v1beta1 ServingRuntime",
        "spec.supportedModelFormat is not a ServingRuntimeSpec field",
        "spec.supportedModelFormats has no planline entry",
        "spec.protocolVersions lacks grpc-v2"), runtimeProblems(bad));
  }

  static Container container() {
    List<?> containers = (List<?>) at(runtime, "spec", "containers");
    assertEquals(1, containers.size(), "one container");
    Container c = STRICT.convertValue(containers.get(0), Container.class);
    List<String> unknown = new ArrayList<>();
    UnknownFields.collect(c, "container", unknown);
    assertEquals(List.of(), unknown, "fields a Container does not have");
    return c;
  }

  @Test
  void servingRuntime_container_httpAndGrpcPortsProbesAndTheModelRepository() {
    Container c = container();
    // KServe injects the storage initializer and the /mnt/models mount into this container
    assertEquals("kserve-container", c.getName());
    Map<String, Integer> ports = new java.util.HashMap<>();
    for (ContainerPort p : c.getPorts()) {
      ports.put(p.getName(), p.getContainerPort());
    }
    assertEquals(Map.of("http", httpPort, "grpc", grpcPort), ports);
    assertEquals(ServerController.READY, c.getReadinessProbe().getHttpGet().getPath());
    assertEquals(ServerController.LIVE, c.getLivenessProbe().getHttpGet().getPath());
    assertEquals("/prometheus", at(runtime, "spec", "annotations", "prometheus.kserve.io/path"));
    assertEquals(Integer.toString(httpPort),
        at(runtime, "spec", "annotations", "prometheus.kserve.io/port"));
  }

  @Test
  void servingRuntime_configServesTheRepositoryAtMntModels_andNoBuiltIns() throws Exception {
    Container c = container();
    Path file = Path.of(K8sManifestTest.env(c, "MICRONAUT_CONFIG_FILES"));
    var mount = c.getVolumeMounts().stream()
        .filter(m -> m.getMountPath().equals(file.getParent().toString())).findFirst()
        .orElseThrow(() -> new AssertionError("nothing mounted at " + file.getParent()));
    Volume volume = STRICT.convertValue(((List<?>) at(runtime, "spec", "volumes")).stream()
        .filter(v -> mount.getName().equals(((Map<?, ?>) v).get("name"))).findFirst()
        .orElseThrow(), Volume.class);
    String configMap = volume.getConfigMap().getName();
    // the ConfigMap is generated from a file of k8s/kserve, under that exact name
    Map<String, Object> kustomization = Kustomizations.read(DIR.resolve("kustomization.yaml"));
    Map<?, ?> generator = ((List<?>) kustomization.get("configMapGenerator")).stream()
        .map(g -> (Map<?, ?>) g).filter(g -> configMap.equals(g.get("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no configMapGenerator " + configMap));
    assertEquals(Boolean.TRUE, ((Map<?, ?>) generator.get("options"))
        .get("disableNameSuffixHash"), "a hashed name would not reach the ServingRuntime");
    assertEquals(List.of(file.getFileName().toString()), generator.get("files"));
    Map<String, Object> config = doc(file.getFileName().toString());
    assertEquals(MODEL_MOUNT, at(config, "planline", "model-repository"));
    assertEquals(List.of(), at(config, "planline", "models"), "built-in models beside it");
  }

  @Test
  void servingRuntime_container_restrictedWithTmpOnAnEmptyDir() {
    Container c = container();
    var sc = c.getSecurityContext();
    assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation());
    assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem());
    assertEquals(Boolean.TRUE, sc.getRunAsNonRoot());
    assertEquals(List.of("ALL"), sc.getCapabilities().getDrop());
    assertEquals("RuntimeDefault", sc.getSeccompProfile().getType());
    List<?> volumes = (List<?>) at(runtime, "spec", "volumes");
    Volume tmp = STRICT.convertValue(volumes.stream()
        .filter(v -> "tmp".equals(((Map<?, ?>) v).get("name"))).findFirst().orElseThrow(),
        Volume.class);
    assertTrue(tmp.getEmptyDir() != null, "tmp is not an emptyDir");
    assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getName().equals(tmp.getName())
        && m.getMountPath().equals("/tmp")), "tmp not mounted at /tmp");
    Map<String, String> options = PodSecurityTest.options(K8sManifestTest.env(c,
        "JDK_JAVA_OPTIONS"));
    for (String key : PodSecurityTest.WRITTEN) {
      assertTrue(String.valueOf(options.get(key)).startsWith("/tmp"), key + "=" + options.get(key));
    }
  }

  @Test
  void inferenceService_usesTheRuntimeWithAStorageUri() {
    assertEquals("serving.kserve.io/v1beta1", service.get("apiVersion"));
    assertEquals("InferenceService", service.get("kind"));
    assertEquals(at(runtime, "metadata", "name"),
        at(service, "spec", "predictor", "model", "runtime"));
    assertEquals("planline", at(service, "spec", "predictor", "model", "modelFormat", "name"));
    assertEquals("v2", at(service, "spec", "predictor", "model", "protocolVersion"));
    String uri = String.valueOf(at(service, "spec", "predictor", "model", "storageUri"));
    // schemes KServe's storage initializer downloads from
    assertTrue(uri.matches("(gs|s3|pvc|https?|hdfs|webhdfs|oci|hf|azure)://.+"), uri);
    // two container ports need RawDeployment: Knative serves one port per container
    assertEquals("RawDeployment", at(service, "metadata", "annotations",
        "serving.kserve.io/deploymentMode"));
  }

  @Test
  void kserve_rendered_imageTaggedWithThePomVersion() throws Exception {
    Path kubectl = K8sManifests.kubectl();
    org.junit.jupiter.api.Assumptions.assumeTrue(kubectl != null, "kubectl is not installed");
    Process p = new ProcessBuilder(kubectl.toString(), "kustomize", DIR.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    assertTrue(out.contains("image: planline:" + K8sManifests.pomVersion() + "\n"), out);
  }
}
