// Two kernels shaped like Triton's (pointers, sizes, then the two scratch pointers Triton
// appends) for the cubin parameter-table tests; kernels.cubin is this file compiled with
//   nvcc -arch=sm_90 -cubin -o kernels.cubin kernels.cu
extern "C" __global__ void triton_poi_fused_add_0(float* in_out_ptr0, const float* in_ptr0,
                                                  int xnumel, void* global_scratch,
                                                  void* profile_scratch) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < xnumel) in_out_ptr0[i] += in_ptr0[i];
}

extern "C" __global__ void scalars(float* out_ptr0, long long n, float a, double b) {
  if (threadIdx.x == 0 && n > 0) out_ptr0[0] = a + (float) b;
}
