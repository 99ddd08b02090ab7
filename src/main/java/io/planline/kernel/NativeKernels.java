package io.planline.kernel;

import static java.util.Objects.requireNonNull;

import com.sun.jna.NativeLibrary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kernels compiled ahead of time into a shared library (Inductor's C++ kernels, see
 * {@code tools/planline_inductor.py}), called through JNA with pointers into planline's own
 * memory: each kernel is a C function taking, in order, tensor pointers and scalar sizes, and
 * writes its results through the pointers it was given.
 *
 * <p>The library is loaded once per model. A call's tensors are resolved per request, since
 * storages are placed per request; its scalars are bound once, when the program is bound to
 * its shapes. The kernels run their own OpenMP threads, one call at a time in the process
 * ({@link NativeCompute}).
 */
public final class NativeKernels implements CompiledKernels {

  private static final Logger LOG = LoggerFactory.getLogger(NativeKernels.class);

  /**
   * {@code dlopen}'s RTLD_LAZY without RTLD_GLOBAL (JNA's default adds it). A guarded entry
   * point calls its kernel by name through the library's PLT, and the kernels' names are
   * Inductor's (cpp_fused_relu_0, ...), the same in many models and in both builds of one. Loaded
   * into the global scope, the first library that defines a name answered every later
   * library's call of it: a serial build's guard ran the OpenMP build's kernel (whose failed
   * index check then ended the process), and a second model ran the first model's kernel of the
   * same name. Each library now binds its own.
   */
  private static final Map<String, Object> OWN_SCOPE =
      Map.of(com.sun.jna.Library.OPTION_OPEN_FLAGS, 1); // glibc's RTLD_LAZY; RTLD_LOCAL is 0

  /** How a parameter is passed, as the kernel's C declaration types it. */
  public enum Param {
    /** A tensor: the address of its element [0, ..., 0]. */
    PTR,
    /** {@code int64_t}. */
    I64,
    /** {@code int32_t}. */
    I32,
    /** {@code double}. */
    F64,
    /** {@code float}. */
    F32;

    /** Parses {@code ptr}, {@code i64}, {@code i32}, {@code f64} or {@code f32}. */
    public static Param parse(String text) {
      try {
        return valueOf(text.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown parameter kind '" + text
            + "' (known: ptr, i64, i32, f64, f32)", e);
      }
    }
  }

  /**
   * A kernel whose largest tensor has fewer elements runs on one OpenMP thread: waking the
   * other (passive) threads for a parallel region costs about 35 µs on the 2-core build machine,
   * more than such a kernel gains from the second thread. digits-cnn [64]'s two 65,536- and
   * 131,072-element kernels (a ReLU into channels-last order, a max-pool): 61 / 63 µs on two
   * threads, 25 / 32 µs on one ({@code run digits-cnn --profile}, 2026-12-04); at 2^16, the
   * limit before, they took two. {@code -Dplanline.cpu.one-thread-elements=N} sets it.
   */
  static final long ONE_THREAD_ELEMENTS =
      Long.getLong("planline.cpu.one-thread-elements", 1L << 18);

  private final Path library;
  private final Map<String, Entry> entries;
  /** The library's OpenMP runtime, or null for one without OpenMP. */
  private final @Nullable OpenMpThreads threads;
  /** The most threads a kernel may run on (see {@link #load(Path, Map, int)}). */
  private final int threadCap;

  /** A kernel: its function, and the same kernel built without OpenMP where there is one. */
  private record Entry(KernelEntry function, @Nullable KernelEntry serial, List<Param> params) {}

  private NativeKernels(Path library, Map<String, Entry> entries,
      @Nullable OpenMpThreads threads, int threadCap) {
    this.library = library;
    this.entries = entries;
    this.threads = threads;
    this.threadCap = threadCap;
  }

  /**
   * Loads {@code library} and looks up every kernel of {@code signatures}.
   *
   * @throws KernelException naming the library and what is missing when it cannot be loaded
   *     (a dependency such as libgomp or libsleef absent, a processor without the instructions
   *     it was built for) or a kernel is not in it
   */
  public static NativeKernels load(Path library, Map<String, List<Param>> signatures) {
    return load(library, signatures, Integer.MAX_VALUE);
  }

  /**
   * Loads {@code library} as {@link #load(Path, Map)} does, its kernels run on at most {@code
   * threadCap} OpenMP threads (what a library compiled for a fixed thread count can take).
   */
  public static NativeKernels load(Path library, Map<String, List<Param>> signatures,
      int threadCap) {
    return load(library, null, signatures, threadCap);
  }

  /**
   * Loads {@code library} as {@link #load(Path, Map, int)} does, and {@code serial} (the same
   * kernels compiled without OpenMP) where given: a call whose tensors are too small for a
   * second thread ({@link #ONE_THREAD_ELEMENTS}) runs there, since entering an OpenMP parallel
   * region costs about a microsecond even on one thread.
   */
  public static NativeKernels load(Path library, @Nullable Path serial,
      Map<String, List<Param>> signatures, int threadCap) {
    requireNonNull(library, "library");
    if (threadCap < 1) {
      throw new IllegalArgumentException("thread cap must be >= 1, got " + threadCap);
    }
    OpenMpThreads.beforeLoading();
    // oneDNN first: it loads its own libgomp.so.1 by path, and the kernels' libgomp.so.1 then
    // binds to that one by name. Loaded the other way round the process has two OpenMP
    // runtimes, each with its own worker threads on the same cores.
    Dnnl.available();
    NativeLibrary lib = open(library);
    NativeLibrary serialLib = serial == null ? null : open(serial);
    Map<String, Entry> entries = new TreeMap<>();
    signatures.forEach((name, params) -> entries.put(name, new Entry(function(lib, library, name),
        serialLib == null ? null : function(serialLib, requireNonNull(serial), name),
        List.copyOf(params))));
    List<String> unguarded = entries.entrySet().stream()
        .filter(k -> k.getValue().function().indexChecks() && k.getValue().serial() == null)
        .map(Map.Entry::getKey).toList();
    if (!unguarded.isEmpty()) {
      LOG.warn("{}: kernels {} check indices inside their OpenMP loops, and without a serial "
          + "build (the exporter keeps none where kernels call OpenMP themselves) a request "
          + "whose indices fail such a check ends the process", library.getFileName(), unguarded);
    }
    return new NativeKernels(library, entries, OpenMpThreads.of(lib), threadCap);
  }

  private static NativeLibrary open(Path library) {
    try {
      return NativeLibrary.getInstance(library.toAbsolutePath().toString(), OWN_SCOPE);
    } catch (UnsatisfiedLinkError e) {
      throw new KernelException(library.getFileName().toString(), "cannot load the compiled "
          + "kernel library " + library + ": " + e.getMessage() + " (it needs x86-64 with AVX2, "
          + "GCC's OpenMP runtime libgomp.so.1 and SLEEF's libsleef.so.3: Debian packages "
          + "libgomp1 and libsleef3)", e);
    }
  }

  private static KernelEntry function(NativeLibrary lib, Path library, String name) {
    KernelEntry entry = KernelEntry.find(lib, name);
    if (entry == null) {
      throw new KernelException(name, "not found in the compiled kernel library " + library,
          null);
    }
    return entry;
  }

  /** Whether kernel {@code name} must run with no other native call at once (KernelEntry). */
  boolean exclusive(String name) {
    Entry e = entries.get(name);
    return e != null && e.function().exclusive();
  }

  /** Whether the kernels have a build without OpenMP for calls on one thread. */
  public boolean hasSerial() {
    return entries.values().stream().allMatch(e -> e.serial() != null) && !entries.isEmpty();
  }

  /** The library file. */
  public Path library() {
    return library;
  }

  @Override
  public String describe() {
    return library.getFileName().toString();
  }

  /** Whether {@code name} is one of this library's kernels. */
  @Override
  public boolean has(String name) {
    return entries.containsKey(name);
  }

  /**
   * Binds a call of kernel {@code name}: {@code args} holds one tensor name per pointer
   * parameter and one number per scalar parameter, in the kernel's parameter order.
   *
   * @throws KernelArgumentException when the kernel is unknown or the arguments do not fit its
   *     parameters
   */
  public PreparedKernel prepare(String name, List<String> args, List<String> outputs) {
    return prepare(name, args, outputs, DirectCalls.available());
  }

  /** As above, through planline's call helper where {@code helper} and the kernel allow. */
  PreparedKernel prepare(String name, List<String> args, List<String> outputs, boolean helper) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new KernelArgumentException(name, "not a kernel of " + library.getFileName());
    }
    if (args.size() != e.params().size()) {
      throw new KernelArgumentException(name, "takes " + e.params().size() + " arguments "
          + e.params() + ", the call passes " + args.size());
    }
    Object[] fixed = new Object[args.size()];
    List<Integer> tensorSlots = new ArrayList<>();
    List<String> tensorNames = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      try {
        switch (e.params().get(i)) {
          case PTR -> {
            tensorSlots.add(i);
            tensorNames.add(a);
          }
          case I64 -> fixed[i] = Long.parseLong(a);
          case I32 -> fixed[i] = Integer.parseInt(a);
          case F64 -> fixed[i] = Double.parseDouble(a);
          case F32 -> fixed[i] = Float.parseFloat(a);
          default -> throw new IllegalStateException("unhandled parameter kind");
        }
      } catch (NumberFormatException ex) {
        throw new KernelArgumentException(name, "argument " + i + " ('" + a + "') is not a valid "
            + e.params().get(i).name().toLowerCase(Locale.ROOT));
      }
    }
    int[] slots = tensorSlots.stream().mapToInt(Integer::intValue).toArray();
    // every parameter a 64-bit word (pointers, int64_t; an int32_t reads the low half): the
    // call goes through planline's helper instead of JNA's argument conversion
    boolean direct = helper && DirectCalls.available() && args.size() <= DirectCalls.MAX_ARGS
        && e.params().stream().allMatch(k -> k == Param.PTR || k == Param.I64 || k == Param.I32);
    long[] fixedWords = new long[args.size()]; // the scalars; each call adds the addresses
    for (int i = 0; direct && i < fixed.length; i++) {
      if (fixed[i] instanceof Number number) {
        fixedWords[i] = number.longValue();
      }
    }
    List<String> reads = List.copyOf(tensorNames);
    List<String> writes = List.copyOf(outputs);
    KernelEntry function = e.function();
    KernelEntry serial = e.serial();
    // on the serial build whatever its size, where the guard catches a failed check (KernelEntry);
    // either build's marker counts (tools/add_serial_kernels.py rebuilds only the serial one)
    boolean checksIndices = function.indexChecks() || (serial != null && serial.indexChecks());
    OpenMpThreads omp = threads;
    int most = omp == null ? 1 : Math.min(omp.most(), threadCap);
    return new PreparedKernel() {
      @Override
      public String kernelName() {
        return name;
      }

      @Override
      public List<String> inputs() {
        return reads;
      }

      @Override
      public List<String> outputs() {
        return writes;
      }

      @Override
      public void run(java.util.function.Function<String, Tensor> tensors) {
        long[] words = fixedWords.clone();
        long largest = 0;
        for (int k = 0; k < slots.length; k++) {
          Tensor t = tensors.apply(reads.get(k));
          if (t == null) {
            throw new KernelExecutionException(name, "tensor '" + reads.get(k)
                + "' is not bound", null);
          }
          words[slots[k]] = address(name, t);
          largest = Math.max(largest, t.numel());
        }
        boolean alone = largest < ONE_THREAD_ELEMENTS || NativeCompute.oneThreadOnly()
            || (checksIndices && serial != null);
        KernelEntry target;
        int threads = alone ? 1 : most;
        if (alone && serial != null) {
          // runs on this thread whatever OpenMP's count (the exporter keeps a serial build only
          // where its kernels ask for no more than their thread's number), so the count is not
          // switched back and forth between small and large calls
          target = serial;
        } else {
          target = function;
          if (omp != null) {
            omp.use(threads);
          }
        }
        String failure = NativeCompute.run(threads, target.exclusive(),
            () -> target.call(direct, words, fixed, slots));
        if (failure != null) {
          throw KernelCheckException.of(name, failure);
        }
      }
    };
  }

  /**
   * The address of {@code t}'s first element, which must live in direct (off-heap) memory, as a
   * 64-bit integer: on x86-64 a pointer parameter takes it in the same register. The call helper
   * passes it as a word; JNA's path boxes it, and JNA converts a Long with less work than a
   * Pointer.
   */
  private static long address(String kernel, Tensor t) {
    if (!t.data().isDirect()) {
      throw new KernelExecutionException(kernel, "tensor " + t + " is not in direct memory", null);
    }
    return t.address();
  }
}
