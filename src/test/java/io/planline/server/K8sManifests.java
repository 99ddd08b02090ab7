package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jspecify.annotations.Nullable;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.yaml.snakeyaml.Yaml;

/**
 * Reads the Kubernetes manifests of {@code k8s/} for the tests: renders a kustomization with
 * {@code kubectl kustomize} (kustomize as kubectl embeds it, so the tests see exactly what
 * {@code kubectl apply -k} would send) and parses every document into fabric8's API types,
 * refusing fields the type does not know.
 */
final class K8sManifests {

  static final Path ROOT = Path.of("k8s");
  static final List<String> OVERLAYS = List.of("cpu", "gpu");

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "ConfigMap", ConfigMap.class, "Deployment", Deployment.class, "Service", Service.class,
      "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
      "ServiceMonitor", ServiceMonitor.class, "PodDisruptionBudget", PodDisruptionBudget.class,
      "PrometheusRule", PrometheusRule.class);

  private K8sManifests() {}

  /** kubectl on the PATH, or null. */
  static @Nullable Path kubectl() {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .map(dir -> Path.of(dir, "kubectl")).filter(Files::isExecutable).findFirst().orElse(null);
  }

  /** The documents {@code kubectl kustomize dir} renders, as fabric8 types. */
  static List<HasMetadata> render(Path kubectl, Path dir) throws IOException, InterruptedException {
    Path out = Files.createTempFile("kustomize-", ".yaml");
    try {
      Process p = new ProcessBuilder(kubectl.toString(), "kustomize", dir.toString())
          .redirectOutput(out.toFile()).redirectErrorStream(false).start();
      p.getOutputStream().close();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      // a guard against a hung tool, not a timing assertion
      assertTrue(p.waitFor(5, TimeUnit.MINUTES), "kubectl kustomize " + dir + " did not end");
      assertEquals(0, p.exitValue(), "kubectl kustomize " + dir + ":\n" + err);
      return parse(dir.toString(), Files.readString(out));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** Every document of a YAML stream, typed; {@code where} names it in failures. */
  static List<HasMetadata> parse(String where, String yaml) {
    List<HasMetadata> out = new ArrayList<>();
    for (Object doc : new Yaml().loadAll(yaml)) {
      if (doc != null) {
        out.add(typed(where, doc));
      }
    }
    return out;
  }

  /** One document as its fabric8 type, failing on an unknown kind, apiVersion or field. */
  static HasMetadata typed(String where, Object doc) {
    @SuppressWarnings("unchecked") // a YAML document at top level is a mapping
    Map<String, Object> map = (Map<String, Object>) doc;
    String kind = String.valueOf(map.get("kind"));
    Class<? extends HasMetadata> type = KINDS.get(kind);
    assertNotNull(type, where + ": no check knows kind " + kind);
    HasMetadata r = JSON.convertValue(map, type);
    String name = where + ": " + kind + " " + r.getMetadata().getName();
    assertEquals(HasMetadata.getApiVersion(type), r.getApiVersion(), name + ": apiVersion");
    List<String> unknown = new ArrayList<>();
    UnknownFields.collect(r, kind, unknown);
    assertTrue(unknown.isEmpty(), name + ": fields the API type does not know: " + unknown);
    return r;
  }

  /** The project's version, {@code <project><version>} of pom.xml. */
  static String pomVersion() throws Exception {
    var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(Path.of("pom.xml").toFile());
    for (Node n = doc.getDocumentElement().getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals("version")) {
        return e.getTextContent().trim();
      }
    }
    throw new AssertionError("pom.xml has no <project><version>");
  }
}
