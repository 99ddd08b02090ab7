package io.planline.kernel;

import com.github.benmanes.caffeine.cache.Cache;
import com.sun.jna.NativeLibrary;
import java.nio.ByteBuffer;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * oneDNN (the UXL Foundation's deep-learning primitives, formerly Intel's; JavaCPP's presets with
 * linux-x86_64 natives) for the CPU's products and convolutions. It picks its kernels for the
 * processor at run time (AVX-512 where there is, AVX2 elsewhere) and reorders constant weights
 * once into the layout its kernels read fastest. On the 2-core AVX-512 build machine
 * {@code KernelBench} printed 403-426 GFLOP/s on BERT's products (M = 128, weight packed)
 * against 162-172 for OpenBLAS split over the two cores (docs/benchmarks.md, "oneDNN").
 *
 * <p>One CPU engine for the process and a stream per calling thread. oneDNN runs its parallel
 * regions on OpenMP, the same runtime as Inductor's compiled kernels ({@link OpenMpThreads}).
 * One-thread calls of different requests run at once ({@link NativeCompute}), so each thread
 * keeps its own primitives and the memory objects beside them ({@link DnnlProducts},
 * {@link DnnlConv}): with oneDNN's default build a primitive may only run on the thread that
 * made it, since primitives made on one thread share that thread's scratchpad.
 *
 * <p>{@code -Dplanline.dnnl.disabled=true} turns it off (products go to OpenBLAS, then Java).
 */
final class Dnnl {

  private static final Logger LOG = LoggerFactory.getLogger(Dnnl.class);

  /** The process's engine and stream, or null where oneDNN is off or did not load. */
  private static final @Nullable Runtime RUNTIME = load();

  private record Runtime(engine engine, ThreadLocal<stream> streams,
      @Nullable OpenMpThreads threads) {}

  private Dnnl() {}

  private static @Nullable Runtime load() {
    if (Boolean.getBoolean("planline.dnnl.disabled")) {
      LOG.info("oneDNN disabled (planline.dnnl.disabled): products run on OpenBLAS");
      return null;
    }
    OpenMpThreads.beforeLoading();
    try {
      String path = Loader.load(org.bytedeco.dnnl.global.dnnl.class);
      engine cpu = new engine(engine.kind.cpu, 0);
      ThreadLocal<stream> streams = ThreadLocal.withInitial(() -> new stream(cpu));
      streams.get(); // a stream that cannot be made fails here, at load
      OpenMpThreads threads = path == null ? null
          : OpenMpThreads.of(NativeLibrary.getInstance(path));
      LOG.debug("oneDNN loaded from {}, {} OpenMP threads", path,
          threads == null ? 1 : threads.most());
      return new Runtime(cpu, streams, threads);
    } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError
        | RuntimeException e) {
      // no natives for this platform, or a processor oneDNN does not support
      LOG.info("oneDNN not available here ({}); products run on OpenBLAS or Java", e.toString());
      return null;
    }
  }

  /** Whether oneDNN loaded. */
  static boolean available() {
    return RUNTIME != null;
  }

  static engine engine() {
    return runtime().engine();
  }

  /**
   * A cache of primitives per thread that runs them (the class comment says why), each holding
   * at most 1,024 signatures.
   */
  static <V> ThreadLocal<Cache<DnnlKey, V>> primitivesPerThread() {
    return ThreadLocal.withInitial(
        () -> Caches.onCallingThread().maximumSize(1024).<DnnlKey, V>build());
  }

  /** The calling thread's stream. */
  static stream stream() {
    return runtime().streams().get();
  }

  /**
   * Work (multiply-adds, or bytes for a reorder) under which a primitive runs on the calling
   * thread alone. Waking OpenMP's passive worker and waiting for it at the end costs more than
   * it saves below about 2^23 multiply-adds here: median µs per product, one thread / two, on
   * the 2-core AVX-512 build machine (session 11, alternated twice): digits-cnn's fc1 64x512x64
   * (2^21) 24-27 / 36-39, tiny-gpt's 512x128x128 (2^23) 79-84 / 92-98, but 512x128x256
   * (2^24) 155-164 / 114-125. It was Blas.SPLIT_MACS (2^21), OpenBLAS's threshold, before.
   * {@code -Dplanline.cpu.parallel-work=N} sets it: where waking a thread costs less, or more
   * cores share the work, the break-even lies lower.
   */
  static final long PARALLEL_WORK = Long.getLong("planline.cpu.parallel-work", 3L << 22);

  /**
   * The same limit for a convolution's multiply-adds, lower than a product's. The limit above
   * was measured on products in session 11, before OpenMP's worker spun between calls
   * (OpenMpThreads, session 15). MobileNetV2 [1,3,224,224], whose 52 convolutions (depthwise
   * ones among them) are nearly all under 3·2^22, ran in 7.9-8.2 ms a request with them on one
   * thread each and 5.2-5.5 on two ({@code run --profile 300}, alternated, 2-core AVX-512 Xeon,
   * session 32; 2^18 measured the same as 2^20), where ONNX Runtime took 4.8; digits-cnn [64]
   * was level. {@code -Dplanline.cpu.conv-parallel-work=N} sets it.
   */
  static final long CONV_PARALLEL_WORK = Long.getLong("planline.cpu.conv-parallel-work", 1L << 20);

  /**
   * Sets OpenMP's thread count for the next primitive run from this thread, and returns it: one
   * for work smaller than waking the other threads costs, else one per core.
   */
  static int useThreads(long work) {
    return use(threadsFor(work));
  }

  /** {@link #useThreads} for a convolution of {@code macs} multiply-adds. */
  static int useConvThreads(long macs) {
    return use(convThreads(macs));
  }

  private static int use(int count) {
    OpenMpThreads threads = runtime().threads();
    if (threads != null) {
      threads.use(count);
    }
    return count;
  }

  /**
   * Multiply-adds each element of a product's second operand counts as in {@link #productWork}.
   * A product with few rows reads its weight once and does little with each element, so one
   * core's memory bandwidth bounds it, not its arithmetic: ResNet-50's classifier (one row,
   * 2048x1000, 8 MB of weight read cold) took 0.72 ms per run on one thread and 0.48 on two
   * ({@code run --profile 200}, 2-core AVX-512 Xeon, session 27), where ONNX Runtime's took 0.30.
   * One thread streamed about 11 GB/s there (8 MB in 0.72 ms), 2.8 G floats/s, while a packed
   * product runs 160-170 GFLOP/s a thread hot ({@code KernelBench}, 319-339 on two) and about
   * 125 in BERT's run: an element read costs 20-30 multiply-adds. 16 stays under that, and
   * leaves BERT's pooler (768x768) and ViT-B/16's head (768x1000) at one row on one thread,
   * neither measured split.
   */
  static final long WORK_PER_WEIGHT_ELEMENT = 16;

  /**
   * The work a product of {@code macs} multiply-adds over a second operand of
   * {@code weightElements} counts as for {@link #threadsFor}: the larger of its arithmetic and
   * its reading of that operand.
   */
  static long productWork(long macs, long weightElements) {
    return Math.max(macs, weightElements * WORK_PER_WEIGHT_ELEMENT);
  }

  /** The threads a primitive doing {@code work} runs on. */
  static int threadsFor(long work) {
    return threadsUnder(work, PARALLEL_WORK);
  }

  /** The threads a convolution of {@code macs} multiply-adds runs on. */
  static int convThreads(long macs) {
    return threadsUnder(macs, CONV_PARALLEL_WORK);
  }

  /** The threads {@code work} runs on where OpenMP offers {@code most}. */
  static int threadsFor(long work, int most) {
    return work < PARALLEL_WORK ? 1 : most;
  }

  private static int threadsUnder(long work, long limit) {
    OpenMpThreads threads = runtime().threads();
    return threads == null || NativeCompute.oneThreadOnly() || work < limit ? 1
        : threads.most();
  }

  /**
   * A JavaCPP pointer to {@code byteOffset} into a direct buffer, for what outlives a call (a
   * packed weight's copy, kept with its buffer). A call's operands go through
   * {@link #at} instead, which allocates nothing ({@link AddressPointer}).
   */
  static BytePointer address(ByteBuffer direct, long byteOffset) {
    return new BytePointer(direct.duplicate().clear()).position(byteOffset);
  }

  /** The native address a JavaCPP pointer points at (its position counted in). */
  static long addressOf(Pointer p) {
    return p.address() + p.position() * p.sizeof();
  }

  /**
   * A pointer to {@code address}, to hand to a memory object's {@code set_data_handle}, which
   * copies it: one per thread, set anew by each call, so that a call's operands allocate
   * nothing. Valid until this thread's next call.
   */
  static Pointer at(long address) {
    return HANDLES.get().at(address);
  }

  private static final ThreadLocal<AddressPointer> HANDLES =
      ThreadLocal.withInitial(AddressPointer::new);

  private static Runtime runtime() {
    if (RUNTIME == null) {
      throw new IllegalStateException("oneDNN is not available");
    }
    return RUNTIME;
  }
}
