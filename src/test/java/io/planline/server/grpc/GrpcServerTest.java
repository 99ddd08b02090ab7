package io.planline.server.grpc;

import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The set-up of a test against the running server over both protocols: the HTTP and the gRPC
 * server Micronaut started, and a fresh client of both per test.
 */
abstract class GrpcServerTest {

  @Inject
  EmbeddedServer server;

  @Inject
  GrpcEmbeddedServer grpc;

  GrpcClient client;

  @BeforeEach
  void connect() {
    client = new GrpcClient(grpc, server);
  }

  @AfterEach
  void disconnect() throws InterruptedException {
    client.close();
  }
}
