// Gathers and windows: embedding, index_select, and the 2-D max / average / adaptive-average
// pools (one thread per output element; window bounds, NaN handling and divisors as in ATen's
// CPU kernels). An index out of range writes NaN and raises the stream's error word.
#include "common.cuh"

#define PL_ERR_INDEX 1

struct EmbeddingParams {
  i64 n, width, ndim, flag;
  i64 shape[PL_MAXD];  // indices' shape
  Operand idx;         // strides over the indices' dims
  Operand out;         // strides over the indices' dims, then the row's stride at [ndim]
  Operand weight;      // stride[0] rows, stride[1] columns
  i64 rows;
};

extern "C" __global__ void pl_embedding(const EmbeddingParams p) {
  i64 step = (i64) gridDim.x * blockDim.x;
  for (i64 i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < p.n; i += step) {
    i64 col = i % p.width;
    i64 r = i / p.width;
    i64 io = 0;
    i64 oo = 0;
    for (int d = (int) p.ndim - 1; d >= 0; d--) {
      i64 c = r % p.shape[d];
      r /= p.shape[d];
      io += c * p.idx.stride[d];
      oo += c * p.out.stride[d];
    }
    oo += col * p.out.stride[p.ndim];
    i64 row = (i64) pl_load((const void*) p.idx.ptr, io, (int) p.idx.dtype);
    double v;
    if (row < 0 || row >= p.rows) {
      pl_fail(p.flag, PL_ERR_INDEX);
      v = __longlong_as_double(0x7ff8000000000000LL);
    } else {
      v = pl_load((const void*) p.weight.ptr, row * p.weight.stride[0] + col * p.weight.stride[1],
          (int) p.weight.dtype);
    }
    pl_store((void*) p.out.ptr, oo, (int) p.out.dtype, v);
  }
}

struct IndexSelectParams {
  i64 n, ndim, dim, flag;
  i64 shape[PL_MAXD];  // the output's shape
  Operand self, out;
  Operand index;       // 1-D: stride[0]
  i64 size;            // self's size along dim
};

extern "C" __global__ void pl_index_select(const IndexSelectParams p) {
  i64 step = (i64) gridDim.x * blockDim.x;
  for (i64 i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < p.n; i += step) {
    i64 so = 0;
    i64 oo = 0;
    i64 r = i;
    bool bad = false;
    for (int d = (int) p.ndim - 1; d >= 0; d--) {
      i64 c = r % p.shape[d];
      r /= p.shape[d];
      oo += c * p.out.stride[d];
      if (d == p.dim) {
        i64 k = (i64) pl_load((const void*) p.index.ptr, c * p.index.stride[0],
            (int) p.index.dtype);
        bad = k < 0 || k >= p.size;
        so += (bad ? 0 : k) * p.self.stride[d];
      } else {
        so += c * p.self.stride[d];
      }
    }
    double v;
    if (bad) {
      pl_fail(p.flag, PL_ERR_INDEX);
      v = __longlong_as_double(0x7ff8000000000000LL);
    } else {
      v = pl_load((const void*) p.self.ptr, so, (int) p.self.dtype);
    }
    pl_store((void*) p.out.ptr, oo, (int) p.out.dtype, v);
  }
}

struct PoolParams {
  i64 n, kind;         // kind: 0 max, 1 avg, 2 adaptive avg
  i64 N, C, H, W, OH, OW;
  i64 kh, kw, sh, sw, ph, pw, dh, dw;
  i64 countIncludePad, divisor;
  Operand x, out, idx; // strides n, c, h, w; idx.ptr 0 unless max
};

extern "C" __global__ void pl_pool2d(const PoolParams p) {
  i64 step = (i64) gridDim.x * blockDim.x;
  for (i64 e = (i64) blockIdx.x * blockDim.x + threadIdx.x; e < p.n; e += step) {
    i64 j = e % p.OW;
    i64 t = e / p.OW;
    i64 i = t % p.OH;
    t /= p.OH;
    i64 c = t % p.C;
    i64 nb = t / p.C;
    const void* x = (const void*) p.x.ptr;
    int xd = (int) p.x.dtype;
    i64 base = nb * p.x.stride[0] + c * p.x.stride[1];
    double result;
    i64 best = 0;
    if (p.kind == 0) {
      i64 h0 = i * p.sh - p.ph;
      i64 w0 = j * p.sw - p.pw;
      i64 h1 = min(h0 + (p.kh - 1) * p.dh + 1, p.H);
      i64 w1 = min(w0 + (p.kw - 1) * p.dw + 1, p.W);
      while (h0 < 0) h0 += p.dh;
      while (w0 < 0) w0 += p.dw;
      best = h0 * p.W + w0;
      double mx = -INFINITY;
      for (i64 a = h0; a < h1; a += p.dh) {
        for (i64 b = w0; b < w1; b += p.dw) {
          double v = pl_load(x, base + a * p.x.stride[2] + b * p.x.stride[3], xd);
          if (v > mx || v != v) {
            mx = v;
            best = a * p.W + b;
          }
        }
      }
      result = mx;
    } else if (p.kind == 1) {
      i64 h0 = i * p.sh - p.ph;
      i64 w0 = j * p.sw - p.pw;
      i64 h1 = min(h0 + p.kh, p.H + p.ph);
      i64 w1 = min(w0 + p.kw, p.W + p.pw);
      i64 poolSize = (h1 - h0) * (w1 - w0);
      h0 = max(h0, 0LL);
      w0 = max(w0, 0LL);
      h1 = min(h1, p.H);
      w1 = min(w1, p.W);
      if (h0 >= h1 || w0 >= w1) {
        result = 0.0;
      } else {
        double sum = 0.0;
        for (i64 a = h0; a < h1; a++)
          for (i64 b = w0; b < w1; b++)
            sum += pl_load(x, base + a * p.x.stride[2] + b * p.x.stride[3], xd);
        i64 div = p.divisor != 0 ? p.divisor
            : (p.countIncludePad ? poolSize : (h1 - h0) * (w1 - w0));
        result = sum / (double) div;
      }
    } else {
      i64 h0 = (i * p.H) / p.OH;
      i64 h1 = ((i + 1) * p.H + p.OH - 1) / p.OH;
      i64 w0 = (j * p.W) / p.OW;
      i64 w1 = ((j + 1) * p.W + p.OW - 1) / p.OW;
      double sum = 0.0;
      for (i64 a = h0; a < h1; a++)
        for (i64 b = w0; b < w1; b++)
          sum += pl_load(x, base + a * p.x.stride[2] + b * p.x.stride[3], xd);
      result = sum / (double) ((h1 - h0) * (w1 - w0));
    }
    i64 oo = nb * p.out.stride[0] + c * p.out.stride[1] + i * p.out.stride[2] + j * p.out.stride[3];
    pl_store((void*) p.out.ptr, oo, (int) p.out.dtype, result);
    if (p.idx.ptr) {
      i64 io = nb * p.idx.stride[0] + c * p.idx.stride[1] + i * p.idx.stride[2]
          + j * p.idx.stride[3];
      pl_store((void*) p.idx.ptr, io, (int) p.idx.dtype, (double) best);
    }
  }
}
