package io.planline.backend.cuda;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import org.jspecify.annotations.Nullable;

/**
 * The cuDNN entry points {@link Cudnn} uses: set-up calls through JNA's interface mapping, the
 * per-call ones ({@link Direct}) through its direct mapping, which skips the reflection and
 * argument conversion that would cost microseconds on every convolution.
 */
interface CudnnLib extends Library {
  long cudnnGetVersion();

  int cudnnCreate(PointerByReference handle);

  int cudnnDestroy(Pointer handle);

  int cudnnSetStream(Pointer handle, Pointer stream);

  int cudnnCreateTensorDescriptor(PointerByReference desc);

  int cudnnSetTensor4dDescriptorEx(Pointer desc, int type, int n, int c, int h, int w,
      int ns, int cs, int hs, int ws);

  int cudnnDestroyTensorDescriptor(Pointer desc);

  int cudnnCreateFilterDescriptor(PointerByReference desc);

  int cudnnSetFilter4dDescriptor(Pointer desc, int type, int format, int k, int c, int h,
      int w);

  int cudnnDestroyFilterDescriptor(Pointer desc);

  int cudnnCreateConvolutionDescriptor(PointerByReference desc);

  int cudnnSetConvolution2dDescriptor(Pointer desc, int padH, int padW, int strideH,
      int strideW, int dilationH, int dilationW, int mode, int computeType);

  int cudnnSetConvolutionGroupCount(Pointer desc, int groups);

  int cudnnSetConvolutionMathType(Pointer desc, int mathType);

  int cudnnDestroyConvolutionDescriptor(Pointer desc);

  int cudnnGetConvolutionForwardAlgorithm_v7(Pointer handle, Pointer x, Pointer w,
      Pointer conv, Pointer y, int requested, IntByReference returned, Pointer perf);

  int cudnnFindConvolutionForwardAlgorithmEx(Pointer handle, Pointer xDesc, Pointer x,
      Pointer wDesc, Pointer w, Pointer conv, Pointer yDesc, Pointer y, int requested,
      IntByReference returned, Pointer perf, Pointer workspace, long workspaceBytes);

  String cudnnGetErrorString(int status);

  /** The per-call entry points, with JNA's direct mapping (addresses as longs). */
  final class Direct {
    private static @Nullable String bound;

    private Direct() {}

    static native int cudnnConvolutionForward(long handle, long alpha, long xDesc, long x,
        long wDesc, long w, long convDesc, int algo, long workspace, long workspaceBytes,
        long beta, long yDesc, long y);

    static synchronized void bind(String library) {
      if (bound == null) {
        Native.register(Direct.class, NativeLibrary.getInstance(library));
        bound = library;
      }
    }
  }
}
