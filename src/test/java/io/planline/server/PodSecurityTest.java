package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each overlay's pods meet the Pod Security Standards' "restricted" profile, and with a read-only
 * root filesystem every directory the JVM and its native libraries write to is on a writable
 * emptyDir volume.
 */
final class PodSecurityTest {

  /**
   * What the runtime writes outside the configuration: JNA and the CUDA bridge unpack natives in
   * java.io.tmpdir (compiled kernel libraries are copied there too), JNA in jna.tmpdir, JavaCPP
   * (OpenBLAS) in its cachedir, Netty's native transport in its workdir, HotSpot's crash log.
   */
  static final List<String> WRITTEN = List.of("java.io.tmpdir", "jna.tmpdir",
      "org.bytedeco.javacpp.cachedir", "io.netty.native.workdir", "ErrorFile");

  private static final Pattern OPTION = Pattern.compile("-(?:D|XX:)([\\w.]+)=(\\S+)");

  @BeforeAll
  static void render() throws Exception {
    K8sManifestTest.render();
  }

  @Test
  void pods_meetTheRestrictedProfile() {
    for (String overlay : K8sManifestTest.RENDERED.keySet()) {
      PodSpec pod = K8sManifestTest.one(overlay, Deployment.class).getSpec().getTemplate()
          .getSpec();
      var podContext = pod.getSecurityContext();
      assertEquals(Boolean.TRUE, podContext.getRunAsNonRoot(), overlay + ": runAsNonRoot");
      assertTrue(podContext.getRunAsUser() > 0, overlay + ": runAsUser");
      assertEquals("RuntimeDefault", podContext.getSeccompProfile().getType(), overlay);
      assertTrue(pod.getHostNetwork() == null || !pod.getHostNetwork(), overlay + ": hostNetwork");
      for (Container c : pod.getContainers()) {
        var sc = c.getSecurityContext();
        String where = overlay + "/" + c.getName() + ": ";
        assertNotNull(sc, where + "no securityContext");
        assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), where + "escalation");
        assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), where + "capabilities");
        assertTrue(sc.getCapabilities().getAdd() == null || sc.getCapabilities().getAdd()
            .isEmpty(), where + "capabilities added");
        assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), where + "read-only root");
        assertTrue(sc.getPrivileged() == null || !sc.getPrivileged(), where + "privileged");
      }
    }
  }

  @Test
  void readOnlyRoot_everyWrittenDirectoryIsOnAnEmptyDir() {
    for (String overlay : K8sManifestTest.RENDERED.keySet()) {
      Deployment d = K8sManifestTest.one(overlay, Deployment.class);
      Container c = K8sManifestTest.container(d);
      List<String> writable = new ArrayList<>();
      for (VolumeMount m : c.getVolumeMounts()) {
        Volume v = d.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(x -> x.getName().equals(m.getName())).findFirst().orElseThrow();
        if (v.getEmptyDir() != null && !Boolean.TRUE.equals(m.getReadOnly())) {
          writable.add(m.getMountPath());
        }
      }
      assertTrue(writable.contains("/tmp"), overlay + ": no writable /tmp, only " + writable);
      Map<String, String> options = options(K8sManifestTest.env(c, "JDK_JAVA_OPTIONS"));
      for (String key : WRITTEN) {
        String dir = options.get(key);
        assertNotNull(dir, overlay + ": JDK_JAVA_OPTIONS does not set " + key);
        assertTrue(writable.stream().anyMatch(w -> dir.equals(w) || dir.startsWith(w + "/")),
            overlay + ": " + key + "=" + dir + " is not under a writable volume " + writable);
      }
    }
  }

  /** {@code -Dkey=value} and {@code -XX:Key=value} options of a JVM option string. */
  static Map<String, String> options(String line) {
    Map<String, String> out = new java.util.HashMap<>();
    Matcher m = OPTION.matcher(line);
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }

  @Test
  void options_parsesSystemPropertiesAndXxOptions() {
    assertEquals(Map.of("a.b", "/x", "ErrorFile", "/tmp/e%p.log"),
        options("-Da.b=/x -XX:+UseG1GC  -XX:ErrorFile=/tmp/e%p.log -verbose"));
  }
}
