package io.planline.server;

/** The server version metadata reports (kept in step with the pom and the CLI). */
final class Versions {

  /** The server version. */
  static final String SERVER = "0.1.0";

  private Versions() {}
}
