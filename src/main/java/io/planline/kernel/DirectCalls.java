package io.planline.kernel;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls into compiled kernels whose parameters are all 64-bit integers or pointers, through
 * planline's one native helper ({@code src/main/c/planline_call.c}), bound once with JNA's
 * direct mapping. JNA's generic {@code Function.invokeVoid} converts every argument object on
 * every call. {@code NativeCallBench} on the 2-core build machine, digits-cnn's kernels at batch
 * 1: 0.71-0.74 against 0.25-0.40 µs for one with 3 parameters, 3.3-4.4 against 0.79-1.17 µs for
 * one with 16; a small model makes three to 17 such calls a request. The arguments travel in a
 * per-thread direct buffer.
 *
 * <p>Where the helper does not load (another platform, {@code -Dplanline.direct-calls=false}),
 * {@link #available} is false and {@link NativeKernels} calls through JNA's functions as before.
 */
final class DirectCalls {

  /** The most arguments the helper passes. */
  static final int MAX_ARGS = 24;

  private static final Logger LOG = LoggerFactory.getLogger(DirectCalls.class);
  private static final boolean AVAILABLE = load();
  private static final ThreadLocal<Words> WORDS = ThreadLocal.withInitial(Words::new);

  private DirectCalls() {}

  /** A thread's argument buffer and its native address. */
  private static final class Words {
    final LongBuffer values;
    final long address;

    Words() {
      // the arguments, then one word for what the callee returns
      ByteBuffer bytes = ByteBuffer.allocateDirect((MAX_ARGS + 1) * Long.BYTES)
          .order(ByteOrder.nativeOrder());
      values = bytes.asLongBuffer();
      address = Tensor.addressOf(bytes);
    }
  }

  private static boolean load() {
    if (!Boolean.parseBoolean(System.getProperty("planline.direct-calls", "true"))) {
      return false;
    }
    try {
      // this build's own file, from the class path (not a library of that name elsewhere on the
      // system's search path)
      File helper = Native.extractFromResourcePath("/" + Platform.RESOURCE_PREFIX
          + "/libplanline_call.so", DirectCalls.class.getClassLoader());
      Native.register(DirectCalls.class, NativeLibrary.getInstance(helper.getAbsolutePath()));
      return true;
    } catch (IOException | UnsatisfiedLinkError | IllegalArgumentException e) {
      LOG.info("planline's call helper did not load ({}); compiled kernels are called through"
          + " JNA's functions", e.toString());
      return false;
    }
  }

  /** Whether the helper loaded. */
  static boolean available() {
    return AVAILABLE;
  }

  /** The helper: calls {@code function} with {@code count} words from {@code words}. */
  private static native int planline_call(long function, long words, int count);

  /** The helper: the same, storing what {@code function} returns at address {@code result}. */
  private static native int planline_call_value(long function, long words, int count,
      long result);

  /** Calls the function at address {@code function} with {@code words}, at most MAX_ARGS. */
  static void call(long function, long[] words) {
    Words w = load(words);
    if (planline_call(function, w.address, words.length) != 0) {
      throw refused(words);
    }
  }

  /**
   * Calls a function that returns a word (a pointer, an int64_t) as {@link #call} does, and
   * returns that word.
   */
  static long callForValue(long function, long[] words) {
    Words w = load(words);
    if (planline_call_value(function, w.address, words.length,
        w.address + (long) MAX_ARGS * Long.BYTES) != 0) {
      throw refused(words);
    }
    return w.values.get(MAX_ARGS);
  }

  /** This thread's argument buffer holding {@code words}. */
  private static Words load(long[] words) {
    if (words.length > MAX_ARGS) {
      throw new IllegalArgumentException(words.length + " arguments, more than the helper's "
          + MAX_ARGS);
    }
    Words w = WORDS.get();
    w.values.put(0, words);
    return w;
  }

  private static IllegalStateException refused(long[] words) {
    return new IllegalStateException("the call helper refused " + words.length + " arguments");
  }
}
