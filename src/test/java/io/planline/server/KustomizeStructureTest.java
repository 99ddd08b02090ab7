package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kustomize tree of {@code k8s/} read as files, with no tool: every path a kustomization
 * names exists, the image tag is the pom's version, and the overlays set distinct names and
 * selector labels. {@link K8sManifestTest} checks what kustomize renders from it.
 */
final class KustomizeStructureTest {

  @Test
  void kustomizations_everyNamedPathExists() throws Exception {
    List<Path> found = Kustomizations.find(K8sManifests.ROOT);
    for (String dir : List.of("base", "overlays/cpu", "overlays/gpu", "kserve", "monitoring",
        "components/version")) {
      assertTrue(found.contains(K8sManifests.ROOT.resolve(dir).resolve("kustomization.yaml")),
          "no kustomization in k8s/" + dir + "; found " + found);
    }
    assertEquals(List.of(), Kustomizations.problems(K8sManifests.ROOT));
  }

  @Test
  void kustomizations_missingPaths_eachNamedWithFileFieldAndEntry(@TempDir Path dir)
      throws Exception {
    Files.createDirectories(dir.resolve("notkustomized"));
    Files.writeString(dir.resolve("kustomization.yaml"), String.join("\n",
        "apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization",
        "resources: [deployment.yaml, notkustomized]", "components: [deployment.yaml]",
        "patches: [{path: patch.yaml}]",
        "configMapGenerator: [{name: cfg, files: [app=application.yml]}]",
        "configurations: [selectors.yaml]", ""));
    Path k = dir.resolve("kustomization.yaml");
    assertEquals(List.of(
        k + ": resources[0] 'deployment.yaml' does not exist",
        k + ": resources[1] 'notkustomized' is a directory without kustomization.yaml",
        k + ": components[0] 'deployment.yaml' does not exist",
        k + ": patches[0] path 'patch.yaml' does not exist",
        k + ": configMapGenerator cfg file 'application.yml' does not exist",
        k + ": configurations entry 'selectors.yaml' does not exist"),
        Kustomizations.problems(dir));
  }

  @Test
  void kustomizations_notAMapping_refusedNamingTheFile(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("kustomization.yaml"), "- just\n- a list\n");
    var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Kustomizations.problems(dir));
    assertEquals(dir.resolve("kustomization.yaml") + ": not a YAML mapping", e.getMessage());
  }

  @Test
  void imageTag_isThePomVersion_andSetInOnePlace() throws Exception {
    String version = K8sManifests.pomVersion();
    Path component = K8sManifests.ROOT.resolve("components/version/kustomization.yaml");
    assertEquals(Map.of("planline", version), Kustomizations.imageTags(component));
    for (String user : List.of("base", "kserve")) {
      List<?> components = (List<?>) Kustomizations.read(K8sManifests.ROOT.resolve(user)
          .resolve("kustomization.yaml")).get("components");
      assertEquals(List.of("../components/version"), components, user + "'s components");
    }
    for (Path k : Kustomizations.find(K8sManifests.ROOT)) {
      if (!k.equals(component)) {
        // one version string: an overlay may rename the image, never re-tag it
        assertEquals(Map.of(), Kustomizations.imageTags(k), k + " sets its own tag");
      }
    }
  }

  @Test
  void overlays_distinctNameSuffixesAndSelectorLabels() throws Exception {
    Set<String> suffixes = new HashSet<>();
    Set<Object> labels = new HashSet<>();
    for (String overlay : K8sManifests.OVERLAYS) {
      Map<String, Object> k = Kustomizations.read(
          K8sManifests.ROOT.resolve("overlays").resolve(overlay).resolve("kustomization.yaml"));
      assertTrue(suffixes.add(String.valueOf(k.get("nameSuffix"))), overlay + ": nameSuffix");
      List<?> sets = (List<?>) k.get("labels");
      Map<?, ?> set = (Map<?, ?>) sets.get(0);
      assertEquals(Boolean.TRUE, set.get("includeSelectors"), overlay + ": labels in selectors");
      assertTrue(labels.add(set.get("pairs")), overlay + ": selector labels " + set.get("pairs"));
    }
  }
}
