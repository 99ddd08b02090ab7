package io.planline.kernel;

import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * OpenMP's thread count for the native calls made from the current thread. Inductor's compiled
 * kernels and oneDNN both run on GCC's OpenMP runtime, and the dynamic linker gives them the
 * same libgomp (whichever loaded first serves the other's {@code libgomp.so.1}), so there is
 * one instance per runtime, found by the address of its {@code omp_set_num_threads}: what one
 * library set on a thread is what the other sees there.
 */
final class OpenMpThreads {

  /**
   * How OpenMP's idle threads wait, set before the first library loads libgomp (which reads it
   * once), unless the user set it. By default OpenMP spins after each parallel region and
   * starves the Java work that follows. Measured with {@code run tiny-gpt --profile 100} on
   * [8, 64] on the 2-core build machine (other work running): 375 ms per run spinning, 101 ms
   * passive.
   */
  private static final String WAIT_POLICY = "PASSIVE";

  /**
   * How long (GCC's spin iterations) an idle OpenMP thread spins before it sleeps, unless the
   * user set {@code GOMP_SPINCOUNT} or {@code OMP_WAIT_POLICY}: long enough to bridge the gaps
   * between one request's native calls, short enough to sleep between requests. A thread asleep
   * on a virtual machine's idle core takes long to wake, and a two-thread product then runs no
   * faster than on one thread (oneDNN's digits-cnn convolution, 2-core build machine: 121 µs
   * after 50 µs of idle, 171 after 1 ms, 175 on one thread). ModelBench tiny-gpt [8,64] p50,
   * three runs each (docs/benchmarks.md, session 15): 2.87-3.33 ms sleeping at once, 2.36-2.69
   * spinning 20,000; the other built-in models level there. In the tight loop of {@code run
   * --profile}, digits-cnn [64] was once 0.40-0.45 -> 0.48 ms per run (a worker still spinning
   * after the request's last region takes the core the Java side wants next) and level in the
   * next pass.
   */
  private static final String SPIN_COUNT = "20000";

  private interface LibC extends com.sun.jna.Library {
    int setenv(String name, String value, int overwrite);
  }

  static {
    try {
      LibC c = Native.load("c", LibC.class);
      defaults(System.getenv()).forEach((name, value) -> c.setenv(name, value, 0));
    } catch (UnsatisfiedLinkError e) {
      // not glibc: OpenMP keeps its default, which is only slower
    }
  }

  /**
   * The variables planline sets for OpenMP where the user's environment {@code env} does not:
   * the wait policy, and the spin count where neither is set (libgomp lets GOMP_SPINCOUNT
   * override the policy, so an explicit {@code OMP_WAIT_POLICY=ACTIVE} keeps its meaning).
   */
  static Map<String, String> defaults(Map<String, String> env) {
    Map<String, String> set = new LinkedHashMap<>();
    if (!env.containsKey("GOMP_SPINCOUNT") && !env.containsKey("OMP_WAIT_POLICY")) {
      set.put("GOMP_SPINCOUNT", SPIN_COUNT);
    }
    if (!env.containsKey("OMP_WAIT_POLICY")) {
      set.put("OMP_WAIT_POLICY", WAIT_POLICY);
    }
    return set;
  }

  private static final ConcurrentMap<Long, OpenMpThreads> RUNTIMES = new ConcurrentHashMap<>();

  private final Function set;
  private final int most;
  /** The count last set on each thread (0: not yet). */
  private final ThreadLocal<int[]> current = ThreadLocal.withInitial(() -> new int[1]);

  private OpenMpThreads(Function set, int most) {
    this.set = set;
    this.most = most;
  }

  /** Sets the wait policy; call before loading anything that links libgomp. */
  static void beforeLoading() {
    // the static initializer does the work
  }

  /**
   * The runtime {@code library} calls (dlsym on its handle searches what it linked), or null
   * for a library without OpenMP.
   */
  static @Nullable OpenMpThreads of(NativeLibrary library) {
    Function set;
    int most;
    try {
      set = library.getFunction("omp_set_num_threads");
      most = library.getFunction("omp_get_max_threads").invokeInt(new Object[0]);
    } catch (UnsatisfiedLinkError e) {
      return null;
    }
    return RUNTIMES.computeIfAbsent(Pointer.nativeValue(set),
        k -> new OpenMpThreads(set, Math.max(1, most)));
  }

  /** OpenMP's default count, read at load: one thread per core unless the user said else. */
  int most() {
    return most;
  }

  /** Makes the next parallel regions started from this thread use {@code threads}. */
  void use(int threads) {
    int[] now = current.get();
    if (now[0] != threads) {
      // OpenMP's count is the calling thread's: set only when it changes
      set.invokeVoid(new Object[] {threads});
      now[0] = threads;
    }
  }
}
