package io.planline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.jna.Native;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The OpenMP settings planline makes before libgomp loads, and what it leaves to the user. */
class OpenMpThreadsTest {

  private interface LibC extends com.sun.jna.Library {
    String getenv(String name);
  }

  @Test
  void defaults_nothingSet_sleepsAfterAShortSpin() {
    assertEquals(Map.of("GOMP_SPINCOUNT", "20000", "OMP_WAIT_POLICY", "PASSIVE"),
        OpenMpThreads.defaults(Map.of()));
  }

  @Test
  void defaults_userWaitPolicy_isLeftAlone() {
    // a spin count would override the user's ACTIVE in libgomp
    assertEquals(Map.of(), OpenMpThreads.defaults(Map.of("OMP_WAIT_POLICY", "ACTIVE")));
  }

  @Test
  void defaults_userSpinCount_keepsItAndStillSetsThePolicy() {
    assertEquals(Map.of("OMP_WAIT_POLICY", "PASSIVE"),
        OpenMpThreads.defaults(Map.of("GOMP_SPINCOUNT", "0")));
  }

  @Test
  void classInit_setsTheProcessEnvironmentThatLibgompReads() {
    OpenMpThreads.beforeLoading();
    LibC c = Native.load("c", LibC.class);
    Map<String, String> expected = OpenMpThreads.defaults(System.getenv());
    expected.forEach((name, value) -> assertEquals(value, c.getenv(name), name));
    // and what the user set stays as it was
    for (String name : new String[] {"GOMP_SPINCOUNT", "OMP_WAIT_POLICY"}) {
      if (System.getenv(name) != null) {
        assertEquals(System.getenv(name), c.getenv(name), name);
      }
    }
  }
}
