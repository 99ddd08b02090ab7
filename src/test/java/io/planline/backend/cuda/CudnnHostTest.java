package io.planline.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * How a convolution's weight is described to cuDNN, decided on the host (no GPU needed): the
 * layouts Inductor hands over (dense OIHW, channels-last OHWI; 1x1 kernels are both) and what
 * cuDNN cannot take, which stays on planline's kernel; and the address alignment a graph-API plan
 * is made for.
 */
class CudnnHostTest {

  @Test
  void filterFormat_denseLayouts_andOneByOneFollowsTheInput() {
    long[] shape = {64, 32, 3, 3};
    assertEquals(Cudnn.NCHW, Cudnn.filterFormat(shape, new long[] {288, 9, 3, 1}, true));
    // Inductor's channels-last weight of ResNet-50 (stride [576, 1, 192, 64] for 64x64x3x3)
    assertEquals(Cudnn.NHWC, Cudnn.filterFormat(new long[] {64, 64, 3, 3},
        new long[] {576, 1, 192, 64}, true));
    long[] oneByOne = {256, 64, 1, 1};
    long[] dense = {64, 1, 1, 1};
    assertEquals(Cudnn.NHWC, Cudnn.filterFormat(oneByOne, dense, true));
    assertEquals(Cudnn.NCHW, Cudnn.filterFormat(oneByOne, dense, false));
  }

  @Test
  void filterFormat_otherStrides_areRefused() {
    long[] shape = {64, 32, 3, 3};
    assertEquals(-1, Cudnn.filterFormat(shape, new long[] {1, 64, 3 * 2048, 2048}, false));
    assertEquals(-1, Cudnn.filterFormat(shape, new long[] {0, 9, 3, 1}, false)); // broadcast
  }

  @Test
  void planAlignment_isTheLargestPowerOfTwoUpTo16DividingEveryAddress() {
    assertEquals(16, CudnnPlans.alignment(0x1000, 0x2010, 0x30));
    assertEquals(8, CudnnPlans.alignment(0x1000, 0x2008, 0x30));
    // a view 4 bytes into its buffer (one float) still gets a plan, of its own
    assertEquals(4, CudnnPlans.alignment(0x1004, 0x2000, 0x40));
  }
}
