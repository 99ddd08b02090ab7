package io.planline.server;

import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Requests no well-behaved client would send, written byte for byte on a socket. */
final class RawHttp {

  private RawHttp() {}

  /** Writes a JSON POST of {@code body} to {@code path} on {@code socket}, and flushes it. */
  static void post(Socket socket, String path, byte[] body) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  /**
   * Sends {@code request} and returns what the server answers until it closes the connection or
   * 64 KiB have come (enough for a status line, headers and an error body).
   */
  static String exchange(EmbeddedServer server, String request) throws IOException {
    try (Socket socket = new Socket(server.getHost(), server.getPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (IOException e) {
        // The server may answer and close before it has read everything; read what it said.
      }
      byte[] answer = socket.getInputStream().readNBytes(64 * 1024);
      return new String(answer, StandardCharsets.ISO_8859_1);
    }
  }
}
