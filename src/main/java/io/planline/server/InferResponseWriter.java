package io.planline.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.planline.backend.HostTensor;
import io.planline.ir.DType;
import io.planline.model.ModelInfo;
import io.planline.model.TensorInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * Writes an infer response: JSON with each output's {@code data}, or, when any output is asked
 * for as binary, the JSON header (those outputs carry {@code binary_data_size} instead of
 * {@code data}) followed by their raw little-endian bytes, with
 * {@code Inference-Header-Content-Length} giving the header's length.
 *
 * <p>The body is a stream of chunks made as the client's socket takes them (Micronaut requests
 * the next chunk when the channel is writable), so a client that reads slowly or not at all holds
 * one chunk of encoded text, not the whole response; the output tensors are the only copy.
 */
public final class InferResponseWriter {

  /** Bytes per body chunk. */
  static final int CHUNK = 64 * 1024;

  /** Bytes of a response besides its elements: names, types, shapes, per output and in all. */
  private static final int OVERHEAD = 256;

  private static final JsonFactory JSON = JsonCodecs.WRITER;

  private InferResponseWriter() {}

  /**
   * The most bytes the response to {@code request} can take when the model returns
   * {@code outputs} (bound shapes): exact for binary outputs, the widest text of every element
   * for JSON ones. Known from the plan, before anything runs.
   */
  public static long maxBytes(ModelInfo model, InferRequest request, List<TensorInfo> outputs) {
    long total = OVERHEAD + (request.id() == null ? 0 : 6L * request.id().length());
    for (InferRequest.Output want : wanted(model, request)) {
      TensorInfo t = outputs.stream().filter(o -> o.name().equals(want.name())).findFirst()
          .orElseThrow(() -> new IllegalStateException("no output '" + want.name() + "'"));
      long elements = t.shape().stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact);
      long each = want.binary() ? t.dtype().itemSize()
          : TensorCodec.jsonWidth(t.name(), t.dtype());
      total = Math.addExact(total, Math.addExact(OVERHEAD, Math.multiplyExact(elements, each)));
    }
    return total;
  }

  /**
   * The whole JSON response when it is small (one chunk at the widest text of every element),
   * else null: a small answer is then one write with its length, where a streamed body costs a
   * chunked transfer (the chunk, then its terminator). digits-mlp over HTTP, c=1 / c=8: 1,418 /
   * 4,609 requests/s streamed, 1,722 / 5,223 whole (docs/benchmarks.md, 2026-12-04).
   */
  public static byte @Nullable [] small(ModelInfo model, InferRequest request,
      List<HostTensor> results) {
    List<InferRequest.Output> wanted = wanted(model, request);
    if (wanted.stream().anyMatch(InferRequest.Output::binary)) {
      return null;
    }
    List<HostTensor> tensors = wanted.stream().map(w -> find(results, w.name())).toList();
    long bound = OVERHEAD + (request.id() == null ? 0 : 6L * request.id().length());
    for (HostTensor t : tensors) {
      bound += OVERHEAD + t.elements() * TensorCodec.jsonWidth(t.name(), t.dtype());
    }
    // sized to the answer's bound: a chunk's 65 KiB, allocated and zeroed per answer, was 9% of
    // the server's Java samples under digits-mlp at concurrency 64 (docs/benchmarks.md)
    return bound > CHUNK ? null
        : new JsonChunks(model, request, tensors, null, (int) bound).all();
  }

  /** The response to {@code request} carrying {@code results} (every output of the model). */
  public static MutableHttpResponse<Flux<byte[]>> write(ModelInfo model, InferRequest request,
      List<HostTensor> results) {
    List<InferRequest.Output> wanted = wanted(model, request);
    List<HostTensor> tensors = wanted.stream().map(w -> find(results, w.name())).toList();
    if (wanted.stream().noneMatch(InferRequest.Output::binary)) {
      return HttpResponse.ok(Flux.generate(() -> new JsonChunks(model, request, tensors),
          JsonChunks::next, JsonChunks::close)).contentType(MediaType.APPLICATION_JSON_TYPE);
    }
    // Binary form: the header must be complete before its length can be sent, so it is built
    // whole (outputs in it carry data only when the client mixed JSON and binary outputs).
    JsonChunks header = new JsonChunks(model, request, tensors, wanted, 1024);
    byte[] head = header.all();
    List<ByteBuffer> parts = new ArrayList<>();
    parts.add(ByteBuffer.wrap(head));
    for (int i = 0; i < wanted.size(); i++) {
      if (wanted.get(i).binary()) {
        parts.add(tensors.get(i).data().duplicate());
      }
    }
    Flux<byte[]> body = Flux.fromIterable(parts).concatMap(part -> Flux.generate(sink -> {
      if (!part.hasRemaining()) {
        sink.complete();
        return;
      }
      byte[] chunk = new byte[Math.min(CHUNK, part.remaining())];
      part.get(chunk);
      sink.next(chunk);
    }), 1);
    return HttpResponse.ok(body).contentType(MediaType.APPLICATION_OCTET_STREAM_TYPE)
        .header(InferRequestReader.HEADER_LENGTH, Integer.toString(head.length));
  }

  /** The outputs to return, in the order the client asked for them (default: signature order). */
  public static List<InferRequest.Output> wanted(ModelInfo model, InferRequest request) {
    if (!request.outputs().isEmpty()) {
      return request.outputs();
    }
    List<InferRequest.Output> all = new ArrayList<>();
    for (TensorInfo t : model.outputs()) {
      all.add(new InferRequest.Output(t.name(), request.binaryOutputs()));
    }
    return all;
  }

  /** The output called {@code name} among {@code results}. */
  public static HostTensor find(List<HostTensor> results, String name) {
    for (HostTensor t : results) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw new IllegalStateException("the runtime returned no output '" + name + "' (it returned "
        + results.stream().map(HostTensor::name).toList() + ")");
  }

  /**
   * The JSON document written a chunk at a time: each call to {@link #next} writes until about
   * {@link #CHUNK} bytes are buffered and hands them on.
   */
  private static final class JsonChunks {
    private final Chunk buffer;
    private final JsonGenerator g;
    private final List<HostTensor> tensors;
    private final List<Boolean> binary = new ArrayList<>();
    private int output = -1; // -1: not started; tensors.size(): all written
    private long element;

    JsonChunks(ModelInfo model, InferRequest request, List<HostTensor> tensors) {
      this(model, request, tensors, null, CHUNK + 1024);
    }

    /** {@code capacity}: the bytes buffered before it grows (a chunk holds up to CHUNK + 1 KiB). */
    JsonChunks(ModelInfo model, InferRequest request, List<HostTensor> tensors,
        List<InferRequest.Output> wanted, int capacity) {
      this.tensors = tensors;
      this.buffer = new Chunk(capacity);
      for (int i = 0; i < tensors.size(); i++) {
        binary.add(wanted != null && wanted.get(i).binary());
      }
      try {
        g = JSON.createGenerator(buffer);
        g.writeStartObject();
        g.writeStringField("model_name", model.name());
        g.writeStringField("model_version", model.version());
        if (request.id() != null) {
          g.writeStringField("id", request.id());
        }
        g.writeArrayFieldStart("outputs");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Emits the next chunk, or completes after the last. */
    JsonChunks next(reactor.core.publisher.SynchronousSink<byte[]> sink) {
      try {
        if (output > tensors.size()) {
          sink.complete();
          return this;
        }
        fill(CHUNK);
        g.flush();
        sink.next(buffer.toByteArray());
        buffer.reset();
      } catch (IOException e) {
        sink.error(e);
      }
      return this;
    }

    /** The whole document at once (the binary form's header). */
    byte[] all() {
      try {
        fill(Integer.MAX_VALUE);
        g.flush();
        return buffer.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        // closing gives the generator's buffers back to Jackson's recycler; left open, every
        // answer allocated a new 8,000-byte one (JFR, digits-mlp at concurrency 64)
        close();
      }
    }

    /** Writes until {@code limit} bytes are buffered or the document is complete. */
    private void fill(int limit) throws IOException {
      while (buffer.size() < limit && output <= tensors.size()) {
        if (output < 0 || element < 0) {
          startOutput();
          continue;
        }
        if (output == tensors.size()) {
          g.writeEndArray();
          g.writeEndObject();
          output++;
          continue;
        }
        HostTensor t = tensors.get(output);
        long to = Math.min(t.elements(), element + CHUNK / 16);
        if (t.dtype() == DType.FLOAT32) {
          // Straight into the chunk as bytes; the generator, flushed first, sees an array it
          // wrote nothing into, and closes it with no separator to add.
          g.flush();
          buffer.floats(t, element, to);
        } else {
          TensorCodec.writeJson(t, element, to, g);
        }
        element = to;
        g.flush();
        if (element == t.elements()) {
          g.writeEndArray();
          g.writeEndObject();
          element = -1;
        }
      }
    }

    /** Moves to the next output and writes its fields up to its data. */
    private void startOutput() throws IOException {
      output++;
      element = 0;
      if (output >= tensors.size()) {
        return;
      }
      HostTensor t = tensors.get(output);
      g.writeStartObject();
      g.writeStringField("name", t.name());
      g.writeStringField("datatype", Datatype.of(t.dtype()).name());
      g.writeArrayFieldStart("shape");
      for (long d : t.shape()) {
        g.writeNumber(d);
      }
      g.writeEndArray();
      if (binary.get(output)) {
        g.writeObjectFieldStart("parameters");
        g.writeNumberField("binary_data_size", t.data().remaining());
        g.writeEndObject();
        g.writeEndObject();
        element = -1;
        return;
      }
      g.writeArrayFieldStart("data");
    }

    void close() {
      try {
        g.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** A chunk's bytes: the generator writes into it, and float32 data is formatted into it. */
  private static final class Chunk extends ByteArrayOutputStream {
    Chunk(int size) {
      super(size);
    }

    /** Elements {@code from} to {@code to} of float32 {@code t}, the array's first at 0. */
    void floats(HostTensor t, long from, long to) {
      int room = Math.toIntExact((to - from) * JsonFloats.MAX_BYTES);
      if (buf.length - count < room) {
        buf = Arrays.copyOf(buf, Math.max(2 * buf.length, count + room));
      }
      ByteBuffer b = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
      b.position(Math.toIntExact(from * Float.BYTES));
      count = JsonFloats.write(b, to - from, from == 0, buf, count);
    }
  }
}
