package io.planline.kernel;

import com.github.benmanes.caffeine.cache.Cache;
import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's 3x3 stride-1 convolutions of 64 or 128 channels (ResNet's) as
 * Winograd's F(4x4, 3x3), in planline's own AVX-512 kernel ({@code src/main/c/planline_winograd.c},
 * built by {@code tools/build_winograd.sh}): 36 multiply-adds per channel pair and 4x4 output
 * block where the direct convolution does 144. oneDNN has no float32 Winograd on these
 * processors; its direct convolution runs everything this does not take ({@link DnnlConv}).
 *
 * <p>Taken only where it measured faster inside a model (docs/benchmarks.md, session 37): a
 * model's constant weight (transformed once, kept as long as the weight's buffer lives),
 * channels-last dense float32 input and output, padding 1, no groups or dilation, at most a
 * residual addition (another tensor or, in place, the output's own values) and a ReLU after the
 * bias, and input times output channels at most {@link #MOST_CHANNEL_PAIRS}: the
 * transformed weight is four times the weight and is read once per block of tiles, so larger
 * layers (256 channels: 9.4 MB) lose to the direct convolution reading its 2.4 MB.
 * Its results differ from the direct convolution's by rounding, by a fraction of the output's
 * largest value (2e-6 to 8e-6 with weights and inputs uniform in [-2, 2), 16 to 128 channels):
 * the transforms scale what they sum by up to about 100.
 *
 * <p>{@code -Dplanline.cpu.winograd=false}, or {@code -Dplanline.cpu.isa=avx2} (the compiled
 * kernels' cap, model/CpuIsa, which keeps 256-bit vectors), turns it off.
 */
final class WinogradConv {

  /** The largest input times output channels taken (128 x 128: a 2.4 MB transformed weight). */
  static final long MOST_CHANNEL_PAIRS = Long.getLong("planline.cpu.winograd-pairs", 128 * 128);

  private static final Logger LOG = LoggerFactory.getLogger(WinogradConv.class);
  private static final @Nullable Library LIBRARY = load();

  /** Transformed weights, by the weight's buffer (identity, weak) and then its byte offset. */
  private static final Cache<ByteBuffer, Map<Integer, ByteBuffer>> TRANSFORMED =
      Caches.onCallingThread().weakKeys().build();
  private static final AtomicLong BYTES = new AtomicLong();

  private WinogradConv() {}

  /**
   * The loaded kernel and its two entry points. The library object is held for the functions'
   * sake: JNA closes a library whose object is collected, and their addresses would then point
   * at whatever is mapped there next.
   */
  private record Library(NativeLibrary library, Function conv, Function weights) {}

  private static @Nullable Library load() {
    if (!Boolean.parseBoolean(System.getProperty("planline.cpu.winograd", "true"))
        || "avx2".equals(System.getProperty("planline.cpu.isa", "").toLowerCase(Locale.ROOT))) {
      return null;
    }
    try {
      File file = Native.extractFromResourcePath("/" + Platform.RESOURCE_PREFIX
          + "/libplanline_winograd.so", WinogradConv.class.getClassLoader());
      NativeLibrary lib = NativeLibrary.getInstance(file.getAbsolutePath());
      // the library checks the processor itself, in code built without AVX-512
      if (lib.getFunction("planline_winograd_supported").invokeInt(new Object[0]) == 0) {
        LOG.debug("no AVX-512 here: 3x3 convolutions stay on oneDNN's direct kernels");
        return null;
      }
      return new Library(lib, lib.getFunction("planline_winograd_conv"),
          lib.getFunction("planline_winograd_weights"));
    } catch (IOException | UnsatisfiedLinkError | IllegalArgumentException e) {
      LOG.info("planline's Winograd kernel did not load ({}); 3x3 convolutions stay on"
          + " oneDNN's direct kernels", e.toString());
      return null;
    }
  }

  /** Whether the kernel loaded and this processor runs it. */
  static boolean available() {
    return LIBRARY != null;
  }

  /** Bytes held in transformed weights. */
  static long bytes() {
    return BYTES.get();
  }

  /**
   * {@code out = epilogue(conv2d(x, w) + bias, other)} as Winograd's F(4x4, 3x3) where this kernel
   * takes the call (see the class comment); returns false, having written nothing, where not.
   */
  static boolean tryRun(Tensor x, Tensor w, @Nullable Tensor bias, long[] stride,
      long[] padding, long[] dilation, int groups, Tensor out, ConvEpilogue epilogue,
      @Nullable Tensor other) {
    Library lib = LIBRARY;
    if (lib == null
        || !takes(x, w, bias, stride, padding, dilation, groups, out, epilogue, other)) {
      return false;
    }
    ByteBuffer u = transformed(lib, w);
    long n = x.size(0);
    long c = x.size(1);
    long h = x.size(2);
    long width = x.size(3);
    long k = out.size(1);
    long relu = epilogue.unary() == ConvEpilogue.Unary.RELU ? 1 : 0;
    // the residual added before the ReLU: the other operand, or the output itself (in place)
    long added = epilogue.binary() == ConvEpilogue.Binary.ADD_INTO_OUTPUT ? out.address()
        : other == null ? 0 : other.address();
    int threads = Dnnl.convThreads(out.numel() * c * 9);
    long[] words = {x.address(), Tensor.addressOf(u), bias == null ? 0 : bias.address(), added,
        out.address(), n, h, width, c, k, relu, threads};
    long failed = NativeCompute.run(threads, () -> call(lib.conv, words));
    if (failed != 0) {
      throw new OutOfMemoryError("the Winograd convolution's per-thread scratch (up to "
          + 36L * 16 * Math.max(c, k) * 8 + " bytes a thread) could not be allocated; nothing"
          + " was written");
    }
    return true;
  }

  /** Whether the call is one this kernel takes. */
  static boolean takes(Tensor x, Tensor w, @Nullable Tensor bias, long[] stride,
      long[] padding, long[] dilation, int groups, Tensor out, ConvEpilogue epilogue,
      @Nullable Tensor other) {
    boolean residual = switch (epilogue.binary()) {
      case NONE, ADD_INTO_OUTPUT -> other == null;
      case ADD -> other != null && channelsLast(other);
      case SUB -> false;
    };
    if (groups != 1 || !residual
        || (epilogue.unary() != ConvEpilogue.Unary.NONE
            && epilogue.unary() != ConvEpilogue.Unary.RELU)
        || !all(stride, 1) || !all(padding, 1) || !all(dilation, 1)
        || w.size(2) != 3 || w.size(3) != 3) {
      return false;
    }
    long c = w.size(1);
    long k = w.size(0);
    return c % 16 == 0 && k % 32 == 0 && c * k <= MOST_CHANNEL_PAIRS
        && channelsLast(x) && channelsLast(out) && DnnlConv.suits(w)
        && DnnlWeights.isConstant(w)
        && (bias == null || (DnnlConv.suits(bias) && bias.stride(0) == 1));
  }

  private static boolean all(long[] values, long value) {
    for (long v : values) {
      if (v != value) {
        return false;
      }
    }
    return true;
  }

  /** A dense [N, C, H, W] tensor laid out channels-last: strides (HWC, 1, WC, C). */
  private static boolean channelsLast(Tensor t) {
    long c = t.size(1);
    long h = t.size(2);
    long w = t.size(3);
    return DnnlConv.suits(t) && t.stride(1) == 1 && t.stride(3) == c && t.stride(2) == w * c
        && (t.size(0) == 1 || t.stride(0) == h * w * c);
  }

  /** {@code w} transformed for the kernel, made now on the first call for this weight. */
  private static ByteBuffer transformed(Library lib, Tensor w) {
    Map<Integer, ByteBuffer> byOffset =
        TRANSFORMED.get(w.data(), b -> new ConcurrentHashMap<>());
    ByteBuffer known = byOffset.get(w.byteOffset());
    if (known != null) {
      return known;
    }
    // computeIfAbsent: two requests' first calls transform the weight once
    return byOffset.computeIfAbsent(w.byteOffset(), offset -> {
      long k = w.size(0);
      long c = w.size(1);
      int bytes = Math.toIntExact(36 * k * c * Float.BYTES);
      ByteBuffer u = Tensor.allocateDirect(bytes);
      call(lib.weights, new long[] {w.address(), k, c, w.stride(0), w.stride(1), w.stride(2),
          w.stride(3), Tensor.addressOf(u)});
      LOG.debug("transformed a 3x3 weight {} for Winograd ({} bytes; {} in all)", w, bytes,
          BYTES.addAndGet(bytes));
      return u;
    });
  }

  /**
   * Calls {@code function} with {@code words}, through planline's call helper where it loaded;
   * returns what the function returns (whatever rax held, for a void one).
   */
  private static long call(Function function, long[] words) {
    if (DirectCalls.available()) {
      return DirectCalls.callForValue(Pointer.nativeValue(function), words);
    }
    Object[] args = new Object[words.length];
    for (int i = 0; i < words.length; i++) {
      args[i] = words[i];
    }
    return function.invokeLong(args);
  }
}
