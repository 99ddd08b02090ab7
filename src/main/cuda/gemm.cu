// Matrix products in float32 over strided operands, tiled through shared memory: each block
// computes a BM x BN tile of C, staging BK-deep slices of A and B, each thread a TM x TN
// register tile. One kernel body serves mm/addmm/bmm/baddbmm (mode 0) and 2-D convolution as an
// implicit GEMM (mode 1): B is the im2col matrix, read straight from the input, never stored.
#include "common.cuh"

struct GemmParams {
  i64 batches, M, N, K;
  i64 a, sab, sam, sak;
  i64 b, sbb, sbk, sbn;
  i64 c, scb, scm, scn;
  i64 init, sib, sim, sin;  // init == 0: none
  double alpha, beta;
  i64 mode;                 // 0 matrix product, 1 convolution
  // convolution (mode 1): batch z is the group; A is the weight [OC, Cg, KH, KW]
  i64 cg, ocg, H, W, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw;
  i64 xs[4];                // input strides n, c, h, w
  i64 ws[4];                // weight strides o, c, kh, kw
  i64 os[4];                // output strides n, c, h, w
};

__device__ __forceinline__ float loadA(const GemmParams& p, i64 z, i64 m, i64 k) {
  if (m >= p.M || k >= p.K) return 0.0f;
  const float* a = (const float*) p.a;
  // convolution weights that are dense [OC, Cg*KH*KW] come as a plain matrix too (sak != 0)
  if (p.mode == 0 || p.sak != 0) return a[z * p.sab + m * p.sam + k * p.sak];
  i64 kw = k % p.KW;
  i64 t = k / p.KW;
  i64 kh = t % p.KH;
  i64 c = t / p.KH;
  return a[(z * p.ocg + m) * p.ws[0] + c * p.ws[1] + kh * p.ws[2] + kw * p.ws[3]];
}

__device__ __forceinline__ float loadB(const GemmParams& p, i64 z, i64 k, i64 n) {
  if (k >= p.K || n >= p.N) return 0.0f;
  return ((const float*) p.b)[z * p.sbb + k * p.sbk + n * p.sbn];
}

// Where one output pixel's receptive field starts: fixed per thread across the K loop.
struct Column {
  i64 base;   // input offset of (image, group's first channel)
  int ih0, iw0;
  bool valid;
};

__device__ __forceinline__ Column convColumn(const GemmParams& p, i64 z, i64 n) {
  Column c;
  c.valid = n < p.N;
  unsigned nn = c.valid ? (unsigned) n : 0u;
  unsigned ow = nn % (unsigned) p.OW;
  unsigned t = nn / (unsigned) p.OW;
  unsigned oh = t % (unsigned) p.OH;
  unsigned img = t / (unsigned) p.OH;
  c.base = (i64) img * p.xs[0] + z * p.cg * p.xs[1];
  c.ih0 = (int) (oh * p.sh - p.ph);
  c.iw0 = (int) (ow * p.sw - p.pw);
  return c;
}

// One tap of the filter (a row k of the im2col matrix): its input offset from the receptive
// field's corner and its (dh, dw) displacement, decoded once per block and K step.
struct Tap {
  i64 offset;
  int dh, dw;
  bool valid;
};

__device__ __forceinline__ Tap convTap(const GemmParams& p, i64 k) {
  Tap t;
  t.valid = k < p.K;
  unsigned kk = t.valid ? (unsigned) k : 0u;
  unsigned kw = kk % (unsigned) p.KW;
  unsigned r = kk / (unsigned) p.KW;
  unsigned kh = r % (unsigned) p.KH;
  unsigned c = r / (unsigned) p.KH;
  t.dh = (int) (kh * p.dh);
  t.dw = (int) (kw * p.dw);
  t.offset = c * p.xs[1] + t.dh * p.xs[2] + t.dw * p.xs[3];
  return t;
}

__device__ __forceinline__ float loadConvB(const GemmParams& p, const Column& col,
    const Tap& tap) {
  if (!col.valid || !tap.valid) return 0.0f;
  int ih = col.ih0 + tap.dh;
  int iw = col.iw0 + tap.dw;
  if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) return 0.0f;
  return ((const float*) p.b)[col.base + col.ih0 * p.xs[2] + col.iw0 * p.xs[3] + tap.offset];
}

__device__ __forceinline__ void storeC(const GemmParams& p, i64 z, i64 m, i64 n, float acc) {
  if (m >= p.M || n >= p.N) return;
  float v = (float) p.alpha * acc;
  i64 co;
  i64 io;
  if (p.mode == 0) {
    co = z * p.scb + m * p.scm + n * p.scn;
    io = z * p.sib + m * p.sim + n * p.sin;
  } else {
    i64 ow = n % p.OW;
    i64 t = n / p.OW;
    i64 oh = t % p.OH;
    i64 img = t / p.OH;
    i64 oc = z * p.ocg + m;
    co = img * p.os[0] + oc * p.os[1] + oh * p.os[2] + ow * p.os[3];
    io = oc * p.sim;
  }
  if (p.init != 0 && p.beta != 0.0) v += (float) p.beta * ((const float*) p.init)[io];
  ((float*) p.c)[co] = v;
}

// Reads n consecutive floats of a shared-memory row, 16 bytes at a time where n allows.
template <int N>
__device__ __forceinline__ void readRow(const float* src, float* dst) {
  if constexpr (N % 4 == 0) {
#pragma unroll
    for (int i = 0; i < N; i += 4) {
      float4 v = *reinterpret_cast<const float4*>(src + i);
      dst[i] = v.x;
      dst[i + 1] = v.y;
      dst[i + 2] = v.z;
      dst[i + 3] = v.w;
    }
  } else {
#pragma unroll
    for (int i = 0; i < N; i++) dst[i] = src[i];
  }
}

// One BM x BN tile of C. The next BK slice of A and B is fetched into registers while the
// current one is multiplied out of shared memory (two shared buffers, one barrier per step);
// each thread owns TM consecutive rows and TN consecutive columns, read as float4.
template <int BM, int BN, int BK, int TM, int TN>
__device__ __forceinline__ void gemmTile(const GemmParams& p) {
  constexpr int TX = BN / TN;
  constexpr int THREADS = (BM / TM) * (BN / TN);
  constexpr int A_PER = BM * BK / THREADS;
  constexpr int B_PER = BN * BK / THREADS;
  static_assert(BM * BK % THREADS == 0 && BN * BK % THREADS == 0, "tile loads must split");
  static_assert(THREADS % BN == 0, "a thread's convolution column must stay fixed");
  __shared__ __align__(16) float As[2][BK][BM + 4];
  __shared__ __align__(16) float Bs[2][BK][BN + 4];
  __shared__ Tap taps[2][BK];
  const int tid = threadIdx.x;
  const int tx = tid % TX;
  const int ty = tid / TX;
  const i64 z = blockIdx.z;
  const i64 m0 = (i64) blockIdx.y * BM;
  const i64 n0 = (i64) blockIdx.x * BN;
  const bool conv = p.mode == 1;
  const bool aRowMajor = (conv && p.sak == 0) || p.sak == 1;
  const bool bRowMajor = p.sbn == 1;
  const Column col = conv ? convColumn(p, z, n0 + tid % BN) : Column{0, 0, 0, false};
  float ra[A_PER];
  float rb[B_PER];
  float acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; i++)
#pragma unroll
    for (int j = 0; j < TN; j++) acc[i][j] = 0.0f;

  auto fetch = [&](i64 k0, int buf) {
#pragma unroll
    for (int r = 0; r < A_PER; r++) {
      int e = tid + r * THREADS;
      int mm = aRowMajor ? e / BK : e % BM;
      int kk = aRowMajor ? e % BK : e / BM;
      ra[r] = loadA(p, z, m0 + mm, k0 + kk);
    }
#pragma unroll
    for (int r = 0; r < B_PER; r++) {
      int e = tid + r * THREADS;
      if (conv) {
        int kk = tid / BN + r * (THREADS / BN);
        rb[r] = loadConvB(p, col, taps[buf][kk]);
      } else {
        int nn = bRowMajor ? e % BN : e / BK;
        int kk = bRowMajor ? e / BN : e % BK;
        rb[r] = loadB(p, z, k0 + kk, n0 + nn);
      }
    }
  };
  auto stash = [&](int buf) {
#pragma unroll
    for (int r = 0; r < A_PER; r++) {
      int e = tid + r * THREADS;
      int mm = aRowMajor ? e / BK : e % BM;
      int kk = aRowMajor ? e % BK : e / BM;
      As[buf][kk][mm] = ra[r];
    }
#pragma unroll
    for (int r = 0; r < B_PER; r++) {
      int e = tid + r * THREADS;
      int nn = conv ? tid % BN : (bRowMajor ? e % BN : e / BK);
      int kk = conv ? tid / BN + r * (THREADS / BN) : (bRowMajor ? e / BN : e % BK);
      Bs[buf][kk][nn] = rb[r];
    }
  };

  if (conv && tid < BK) taps[0][tid] = convTap(p, tid);
  __syncthreads();
  fetch(0, 0);
  stash(0);
  __syncthreads();
  int buf = 0;
  for (i64 k0 = 0; k0 < p.K; k0 += BK) {
    const bool more = k0 + BK < p.K;
    if (more) {
      if (conv) {
        if (tid < BK) taps[buf ^ 1][tid] = convTap(p, k0 + BK + tid);
        __syncthreads();
      }
      fetch(k0 + BK, buf ^ 1);  // global loads in flight during the products below
    }
#pragma unroll
    for (int kk = 0; kk < BK; kk++) {
      float a[TM];
      float b[TN];
      readRow<TM>(&As[buf][kk][ty * TM], a);
      readRow<TN>(&Bs[buf][kk][tx * TN], b);
#pragma unroll
      for (int i = 0; i < TM; i++)
#pragma unroll
        for (int j = 0; j < TN; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    if (more) {
      stash(buf ^ 1);
      __syncthreads();
      buf ^= 1;
    }
  }
#pragma unroll
  for (int i = 0; i < TM; i++)
#pragma unroll
    for (int j = 0; j < TN; j++)
      storeC(p, z, m0 + ty * TM + i, n0 + tx * TN + j, acc[i][j]);
}

extern "C" __global__ void __launch_bounds__(256, 1) pl_gemm128(const GemmParams p) {
  gemmTile<128, 128, 16, 8, 8>(p);
}

extern "C" __global__ void __launch_bounds__(256, 2) pl_gemm64(const GemmParams p) {
  gemmTile<64, 64, 16, 4, 4>(p);
}

extern "C" __global__ void __launch_bounds__(256, 2) pl_gemm32(const GemmParams p) {
  gemmTile<32, 32, 32, 2, 2>(p);
}

// few rows, many columns (a convolution's output channels x pixels)
extern "C" __global__ void __launch_bounds__(256, 2) pl_gemm32x128(const GemmParams p) {
  gemmTile<32, 128, 16, 4, 4>(p);
}

// many rows, few columns (a classifier head over a large batch)
extern "C" __global__ void __launch_bounds__(256, 1) pl_gemm128x32(const GemmParams p) {
  gemmTile<128, 32, 16, 4, 4>(p);
}

// ------------------------------------------------------------------------------------------
// Tensor cores at float32 accuracy ("3xTF32"): each float is split into a TF32 part and the
// TF32 rounding of its remainder, and a*b is taken as a_hi*b_hi + a_hi*b_lo + a_lo*b_hi on
// the TF32 units with float32 accumulation. The dropped a_lo*b_lo term is below float32
// rounding, so results stay within float32 error of the CPU's (plain TF32 would be ~1e-3 off).
// A block of 4 warps computes a 64 x 64 tile, each warp 32 x 32 as 2 x 2 16x16 fragments.
#include <mma.h>

namespace wmma = nvcuda::wmma;

template <typename Frag>
__device__ __forceinline__ void splitTf32(const Frag& x, Frag& hi, Frag& lo) {
#pragma unroll
  for (int i = 0; i < x.num_elements; i++) {
    float v = x.x[i];
    float h = wmma::__float_to_tf32(v);
    hi.x[i] = h;
    lo.x[i] = wmma::__float_to_tf32(v - h);
  }
}

extern "C" __global__ void __launch_bounds__(128) pl_gemm_tc(const GemmParams p) {
  constexpr int BM = 64;
  constexpr int BN = 64;
  constexpr int BK = 16;
  constexpr int LDA = BK + 8;  // row strides keep every fragment pointer 32-byte aligned
  constexpr int LDB = BN + 8;
  constexpr int LDC = BN + 8;
  __shared__ __align__(32) float As[BM * LDA];
  __shared__ __align__(32) float Bs[BK * LDB];
  __shared__ __align__(32) float Cs[BM * LDC];
  const int tid = threadIdx.x;
  const int warp = tid / 32;
  const int wm = (warp / 2) * 32;
  const int wn = (warp % 2) * 32;
  const i64 z = blockIdx.z;
  const i64 m0 = (i64) blockIdx.y * BM;
  const i64 n0 = (i64) blockIdx.x * BN;
  const bool aRowMajor = p.sak == 1;
  const bool bRowMajor = p.sbn == 1;
  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];
#pragma unroll
  for (int i = 0; i < 2; i++)
#pragma unroll
    for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.0f);
  for (i64 k0 = 0; k0 < p.K; k0 += BK) {
#pragma unroll
    for (int e = tid; e < BM * BK; e += 128) {
      int mm = aRowMajor ? e / BK : e % BM;
      int kk = aRowMajor ? e % BK : e / BM;
      As[mm * LDA + kk] = loadA(p, z, m0 + mm, k0 + kk);
    }
#pragma unroll
    for (int e = tid; e < BN * BK; e += 128) {
      int nn = bRowMajor ? e % BN : e / BK;
      int kk = bRowMajor ? e / BN : e % BK;
      Bs[kk * LDB + nn] = loadB(p, z, k0 + kk, n0 + nn);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; kk += 8) {
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> a[2];
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> aHi[2];
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> aLo[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> b[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> bHi[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> bLo[2];
#pragma unroll
      for (int i = 0; i < 2; i++) {
        wmma::load_matrix_sync(a[i], As + (wm + i * 16) * LDA + kk, LDA);
        splitTf32(a[i], aHi[i], aLo[i]);
        wmma::load_matrix_sync(b[i], Bs + kk * LDB + wn + i * 16, LDB);
        splitTf32(b[i], bHi[i], bLo[i]);
      }
#pragma unroll
      for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 2; j++) {
          wmma::mma_sync(acc[i][j], aLo[i], bHi[j], acc[i][j]);
          wmma::mma_sync(acc[i][j], aHi[i], bLo[j], acc[i][j]);
          wmma::mma_sync(acc[i][j], aHi[i], bHi[j], acc[i][j]);
        }
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 2; i++)
#pragma unroll
    for (int j = 0; j < 2; j++)
      wmma::store_matrix_sync(Cs + (wm + i * 16) * LDC + wn + j * 16, acc[i][j], LDC,
          wmma::mem_row_major);
  __syncthreads();
  for (int e = tid; e < BM * BN; e += 128) {
    int mm = e / BN;
    int nn = e % BN;
    storeC(p, z, m0 + mm, n0 + nn, Cs[mm * LDC + nn]);
  }
}
