package io.planline.backend.cuda;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.lang.ref.Reference;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The few words of cuDNN's graph ("backend") API that {@link CudnnPlans} speaks: descriptor
 * types, attribute types and names (their numbers from {@code cudnn_graph.h} of cuDNN 9, the same
 * as {@code cudnn_backend.h} in 8.x), the C entry points through JNA's direct mapping, and
 * helpers that make, set and finalize descriptors, throwing {@link CudaException} on a failed
 * status.
 */
final class CudnnGraphApi {

  private CudnnGraphApi() {}

  // cudnnBackendDescriptorType_t, cudnnBackendAttributeType_t and cudnnBackendAttributeName_t
  // values from cudnn_graph.h (cuDNN 9; the same numbers as cudnn_backend.h in 8.x).
  static final int ENGINE = 2;
  static final int ENGINECFG = 3;
  static final int ENGINEHEUR = 4;
  static final int EXECUTION_PLAN = 5;
  static final int CONVOLUTION = 1;
  static final int OPERATION_CONVOLUTION_FORWARD = 10;
  static final int OPERATIONGRAPH = 15;
  static final int VARIANT_PACK = 16;
  static final int TENSOR = 17;

  static final int T_HANDLE = 0;
  static final int T_DATA_TYPE = 1;
  static final int T_INT64 = 3;
  static final int T_FLOAT = 4;
  static final int T_VOID_PTR = 6;
  static final int T_CONVOLUTION_MODE = 7;
  static final int T_HEUR_MODE = 8;
  static final int T_NUMERICAL_NOTE = 11;
  static final int T_DESCRIPTOR = 15;

  static final int A_CONV_COMP_TYPE = 100;
  static final int A_CONV_MODE = 101;
  static final int A_CONV_DILATIONS = 102;
  static final int A_CONV_FILTER_STRIDES = 103;
  static final int A_CONV_POST_PADDINGS = 104;
  static final int A_CONV_PRE_PADDINGS = 105;
  static final int A_CONV_SPATIAL_DIMS = 106;
  static final int A_HEUR_MODE = 200;
  static final int A_HEUR_OPERATION_GRAPH = 201;
  static final int A_HEUR_RESULTS = 202;
  static final int A_ENGINECFG_ENGINE = 300;
  static final int A_PLAN_HANDLE = 400;
  static final int A_PLAN_ENGINE_CONFIG = 401;
  static final int A_PLAN_WORKSPACE_SIZE = 402;
  static final int A_CONV_FWD_ALPHA = 700;
  static final int A_CONV_FWD_BETA = 701;
  static final int A_CONV_FWD_CONV_DESC = 702;
  static final int A_CONV_FWD_W = 703;
  static final int A_CONV_FWD_X = 704;
  static final int A_CONV_FWD_Y = 705;
  static final int A_GRAPH_HANDLE = 800;
  static final int A_GRAPH_OPS = 801;
  static final int A_TENSOR_BYTE_ALIGNMENT = 900;
  static final int A_TENSOR_DATA_TYPE = 901;
  static final int A_TENSOR_DIMENSIONS = 902;
  static final int A_TENSOR_STRIDES = 903;
  static final int A_TENSOR_UNIQUE_ID = 906;
  static final int A_PACK_UNIQUE_IDS = 1000;
  static final int A_PACK_DATA_POINTERS = 1001;
  static final int A_PACK_WORKSPACE = 1003;
  static final int A_ENGINE_GLOBAL_INDEX = 1301;
  static final int A_ENGINE_NUMERICAL_NOTE = 1303;

  static final int DATA_FLOAT = 0;
  static final int CROSS_CORRELATION = 1;
  static final int HEUR_INSTANT = 0;
  static final int HEUR_FALLBACK = 2;
  static final int NOTE_TENSOR_CORE = 0;
  static final int NOTE_DOWN_CONVERT_INPUTS = 1;

  static void destroy(long descriptor) {
    Calls.cudnnBackendDestroyDescriptor(descriptor);
  }

  static long create(int type, @Nullable List<Long> owned) {
    Memory out = new Memory(8);
    check("create descriptor " + type,
        Calls.cudnnBackendCreateDescriptor(type, Pointer.nativeValue(out)));
    long d = out.getLong(0);
    if (owned != null) {
      owned.add(d);
    }
    return d;
  }

  /** Sets {@code values}: 4-byte elements for enums and floats, 8-byte for the rest. */
  static void set(long d, int name, int type, Memory values) {
    int width = type == T_DATA_TYPE || type == T_CONVOLUTION_MODE || type == T_HEUR_MODE
        || type == T_FLOAT ? 4 : 8;
    check("attribute " + name, Calls.cudnnBackendSetAttribute(d, name, type,
        values.size() / width, Pointer.nativeValue(values)));
    // the call takes only the address: keep the Memory (which frees it when collected) alive
    Reference.reachabilityFence(values);
  }

  static void finalizeDescriptor(String what, long d) {
    check("finalize " + what, Calls.cudnnBackendFinalize(d));
  }

  static void check(String what, int status) {
    if (status != 0) {
      throw new CudaException("cuDNN graph API: " + what + " failed with status " + status);
    }
  }

  static Memory longs(long... v) {
    Memory m = new Memory(8L * v.length);
    for (int i = 0; i < v.length; i++) {
      m.setLong(8L * i, v[i]);
    }
    return m;
  }

  static Memory ints(int v) {
    Memory m = new Memory(4);
    m.setInt(0, v);
    return m;
  }

  static Memory floats(float v) {
    Memory m = new Memory(4);
    m.setFloat(0, v);
    return m;
  }

  /** The graph API's entry points, JNA's direct mapping (descriptors and arrays as addresses). */
  static final class Calls {
    private static @Nullable String bound;

    private Calls() {}

    static native int cudnnBackendCreateDescriptor(int type, long descriptorOut);

    static native int cudnnBackendDestroyDescriptor(long descriptor);

    static native int cudnnBackendFinalize(long descriptor);

    static native int cudnnBackendSetAttribute(long descriptor, int name, int type, long count,
        long values);

    static native int cudnnBackendGetAttribute(long descriptor, int name, int type,
        long requested, long countOut, long valuesOut);

    static native int cudnnBackendExecute(long handle, long plan, long variantPack);

    static synchronized void bind(String library) {
      if (bound == null) {
        Native.register(Calls.class, NativeLibrary.getInstance(library));
        bound = library;
      }
    }
  }
}
