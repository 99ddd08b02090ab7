package io.planline.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.planline.backend.DeviceTensor;
import io.planline.ir.DType;
import io.planline.kernel.Tensor;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Weights of every element type reach the device byte for byte: GPT-Neo's causal mask is a
 * bool weight its Triton kernels read as PyTorch stores it (the upload once took float32 and
 * int64 only, and refused the model).
 */
@Tag("gpu")
final class WeightUploadGpuTest {

  @Test
  void uploadWeights_boolAndInt8AndFloat_arriveAsTheirBytes() {
    Map<String, Tensor> weights = new LinkedHashMap<>();
    weights.put("mask", tensor(DType.BOOL, new byte[] {1, 0, 0, 1, 1, 1}, 2, 3));
    weights.put("codes", tensor(DType.INT8, new byte[] {-7, 0, 127}, 3));
    weights.put("scale", Tensor.of(ByteBuffer.allocateDirect(8).order(
        java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(0, 1.5f).putFloat(4, -2f), 0, DType.FLOAT32,
        new long[] {2}, new long[] {1}));
    try (CudaBackend gpu = CudaBackend.open(1)) {
      Map<String, DeviceTensor> up = gpu.uploadWeights(weights);
      assertArrayEquals(new byte[] {1, 0, 0, 1, 1, 1}, bytes(gpu, up.get("mask"), 6));
      assertArrayEquals(new byte[] {-7, 0, 127}, bytes(gpu, up.get("codes"), 3));
      byte[] scale = bytes(gpu, up.get("scale"), 8);
      ByteBuffer b = ByteBuffer.wrap(scale).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      assertArrayEquals(new float[] {1.5f, -2f}, new float[] {b.getFloat(0), b.getFloat(4)});
    }
  }

  private static Tensor tensor(DType dtype, byte[] values, long... shape) {
    ByteBuffer data = ByteBuffer.allocateDirect(values.length).put(values).flip();
    return Tensor.of(data, 0, dtype, shape, Tensor.contiguousStrides(shape));
  }

  private static byte[] bytes(CudaBackend gpu, DeviceTensor t, int n) {
    byte[] out = new byte[n];
    gpu.contextForTests().makeCurrent();
    JCudaDriver.cuMemcpyDtoH(Pointer.to(out),
        ((CudaTensor) t).buffer().pointer().withByteOffset(((CudaTensor) t).byteOffset()), n);
    return out;
  }
}
