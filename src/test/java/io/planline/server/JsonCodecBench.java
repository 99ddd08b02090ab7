package io.planline.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.planline.backend.HostTensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * JSON tensor codec speed, Jackson's default number conversions against the fast ones the server
 * uses (JsonCodecs), in one run: encode (a response's data array: every float through Jackson's
 * {@code writeNumber}; as "bytes", as the response writer formats it, {@link JsonFloats}; the
 * "codec" figures of earlier runs in docs/benchmarks.md were a route through the generator that
 * the server no longer takes)
 * and decode (a request body read and turned into the input's bytes: through a tree, the reader
 * before issue 17, and, as "stream", as the server now reads it, {@link StreamedBody}) of float32
 * tensors, in MB/s of JSON text and million values per second.
 *
 * <p>{@code java -cp target/test-classes:target/classes:CLASSPATH
 * io.planline.server.JsonCodecBench [SECONDS]}
 */
public final class JsonCodecBench {

  /** Elements per call of writeJson, as the response writer streams them (its CHUNK / 16). */
  private static final long SLICE = 4096;

  private JsonCodecBench() {}

  public static void main(String[] args) throws IOException {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2;
    System.out.printf(Locale.ROOT, "# java %s, %d cores, %.1f s per figure (best of 3 runs)%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), seconds);
    System.out.printf(Locale.ROOT, "%-10s %-9s %-8s %12s %12s%n", "elements", "direction",
        "numbers", "MB/s", "Mvalues/s");
    for (int n : new int[] {1 << 10, 1 << 16, 1 << 22}) {
      HostTensor t = HostTensor.ofFloats("x", new long[] {n}, values(n));
      for (String mode : new String[] {"jdk", "fast"}) {
        JsonFactory f = JsonCodecs.factory(mode.equals("fast"));
        byte[] body = request(f, t);
        double enc = best(seconds, () -> encodeEachThroughJackson(f, t).length);
        print(n, "encode", mode, enc, body.length);
        if (mode.equals("fast")) { // the server's writer: FloatText where it covers the value
          double bytes = best(seconds, () -> encodeBytes(t));
          print(n, "encode", "bytes", bytes, body.length);
        }
        ObjectMapper reader = JsonCodecs.reader(f);
        double dec = best(seconds, () -> decode(reader, body, n));
        print(n, "decode", mode, dec, body.length);
        if (mode.equals("fast")) { // the server's reader since issue 17: data streamed to bytes
          double stream = best(seconds, () -> decodeStreaming(body));
          print(n, "decode", "stream", stream, body.length);
        }
      }
    }
  }

  private static void print(int n, String what, String mode, double perSecond, int bytes) {
    System.out.printf(Locale.ROOT, "%-10d %-9s %-8s %12.1f %12.2f%n", n, what, mode,
        perSecond * bytes / 1e6, perSecond * n / 1e6);
  }

  private static float[] values(int n) {
    SplittableRandom r = new SplittableRandom(7);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian(); // model outputs: every float needs 8-9 digits
    }
    return v;
  }

  /** The data array through {@code TensorCodec.writeJson}, in the response writer's slices. */
  private static byte[] encode(JsonFactory f, HostTensor t) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = f.createGenerator(out)) {
      g.writeStartArray();
      for (long from = 0; from < t.elements(); from += SLICE) { // as InferResponseWriter does
        TensorCodec.writeJson(t, from, Math.min(t.elements(), from + SLICE), g);
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  /**
   * The data array as the response writer writes float32 data since session 12: formatted
   * straight into its chunk's bytes ({@link JsonFloats}), in the same slices; the bytes written.
   */
  private static int encodeBytes(HostTensor t) {
    java.nio.ByteBuffer b = t.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    byte[] chunk = new byte[(int) SLICE * JsonFloats.MAX_BYTES + 2];
    int total = 2; // the brackets
    for (long from = 0; from < t.elements(); from += SLICE) {
      long to = Math.min(t.elements(), from + SLICE);
      total += JsonFloats.write(b, to - from, from == 0, chunk, 0); // one chunk, reused
    }
    return total;
  }

  /** The data array with every float through Jackson's writeNumber (the writer before FloatText). */
  private static byte[] encodeEachThroughJackson(JsonFactory f, HostTensor t) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = f.createGenerator(out)) {
      g.writeStartArray();
      for (float v : t.floats()) {
        g.writeNumber(v);
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  private static byte[] request(JsonFactory f, HostTensor t) {
    String data = new String(encode(f, t), java.nio.charset.StandardCharsets.US_ASCII);
    return ("{\"inputs\": [{\"name\": \"x\", \"shape\": [" + t.elements() + "], \"datatype\": "
        + "\"FP32\", \"data\": " + data + "}]}").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** A request body read as the server reads it, the input's data turned into its bytes. */
  private static int decode(ObjectMapper reader, byte[] body, long n) {
    try {
      JsonNode data = reader.readTree(body).get("inputs").get(0).get("data");
      TensorCodec.checkLayout("x", data, new long[] {n});
      return TensorCodec.fromJson("x", Datatype.FP32, data, n).remaining();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A request body read as the server reads it now, the data streamed into the input's bytes. */
  private static int decodeStreaming(byte[] body) {
    InferRequest.Input in = InferRequestReader.read(body, null).inputs().get(0);
    if (in.binary() == null) {
      throw new IllegalStateException("the streaming reader fell back to the tree");
    }
    return in.binary().remaining();
  }

  /** Operations per second, the best of three runs of {@code seconds / 3} each. */
  private static double best(double seconds, java.util.function.IntSupplier op) {
    for (long end = System.nanoTime() + (long) (seconds * 3e8); System.nanoTime() < end; ) {
      op.getAsInt(); // warm-up
    }
    double[] rates = new double[3];
    for (int r = 0; r < 3; r++) {
      long start = System.nanoTime();
      long end = start + (long) (seconds / 3 * 1e9);
      int ops = 0;
      do {
        op.getAsInt();
        ops++;
      } while (System.nanoTime() < end);
      rates[r] = ops / ((System.nanoTime() - start) / 1e9);
    }
    return Arrays.stream(rates).max().orElse(0);
  }
}
