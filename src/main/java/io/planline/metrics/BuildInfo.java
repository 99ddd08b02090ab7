package io.planline.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The version this build was made from: the pom's, written by Maven into a filtered resource
 * ({@code src/main/resources-filtered}), so that {@code planline_build_info} and the image tag
 * name one version string.
 */
public final class BuildInfo {

  private static final String RESOURCE = "build.properties";
  private static final Pattern VERSION = Pattern.compile("[0-9][0-9A-Za-z.+-]*");

  private BuildInfo() {}

  /** The version once read (racing first readers read the same file). */
  private static volatile @org.jspecify.annotations.Nullable String version;

  /**
   * The pom's version ({@code 0.1.0-SNAPSHOT}).
   *
   * @throws IllegalStateException when the resource is missing or was not filtered (a build
   *     that did not go through Maven's resource processing)
   */
  public static String version() {
    String v = version;
    if (v == null) {
      v = read(); // once: server metadata asks on every GET /v2
      version = v;
    }
    return v;
  }

  private static String read() {
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("io/planline/metrics/" + RESOURCE + " is not on the"
            + " classpath: build with Maven (mvn package), which writes the pom's version there");
      }
      Properties p = new Properties();
      p.load(in);
      String version = p.getProperty("version", "");
      if (!VERSION.matcher(version).matches()) {
        throw new IllegalStateException("io/planline/metrics/" + RESOURCE + " holds version '"
            + version + "', not a version: the resource was not filtered by Maven");
      }
      return version;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read io/planline/metrics/" + RESOURCE, e);
    }
  }
}
