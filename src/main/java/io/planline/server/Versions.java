package io.planline.server;

import io.planline.metrics.BuildInfo;

/** The server version metadata reports: the pom's, as the build wrote it (BuildInfo). */
final class Versions {

  /** The server version, the same string {@code planline_build_info} carries. */
  static final String SERVER = BuildInfo.version();

  private Versions() {}
}
