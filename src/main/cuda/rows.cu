// Row-wise operators, one block per row, statistics in double as in the CPU library: softmax and
// log-softmax along a dimension, layer norm over trailing dimensions (with mean and rstd), and
// the sum / mean / amax / amin reductions (the reduced dimensions form the row). Also inference
// batch norm, which is pointwise with per-channel constants.
#include "common.cuh"

// Operand walked in two parts: outer (which row) and inner (which element of the row).
struct Split {
  i64 ptr;
  i64 dtype;
  i64 outer[PL_MAXD];
  i64 inner[PL_MAXD];
};

struct RowParams {
  i64 rows, n, kind;  // kind: 0 softmax, 1 log-softmax, 2 layer norm, 3 sum, 4 mean, 5 max, 6 min,
                      // 7 cumsum
  i64 outerNdim, innerNdim;
  i64 outerShape[PL_MAXD];
  i64 innerShape[PL_MAXD];
  Split x, y;         // y: the output (for reductions only its outer strides matter)
  Split mean, rstd;   // layer norm statistics (outer strides)
  Split w, b;         // layer norm affine parameters (inner strides), ptr 0 when None
  double eps;
};

__device__ __forceinline__ i64 outerOffset(const RowParams& p, i64 row, const i64* strides) {
  i64 off = 0;
  for (int d = (int) p.outerNdim - 1; d >= 0; d--) {
    i64 c = row % p.outerShape[d];
    row /= p.outerShape[d];
    off += c * strides[d];
  }
  return off;
}

__device__ __forceinline__ i64 innerOffset(const RowParams& p, i64 i, const i64* strides) {
  if (p.innerNdim == 1) return i * strides[0];
  i64 off = 0;
  for (int d = (int) p.innerNdim - 1; d >= 0; d--) {
    i64 c = i % p.innerShape[d];
    i /= p.innerShape[d];
    off += c * strides[d];
  }
  return off;
}

__device__ __forceinline__ bool isnanD(double v) { return v != v; }

// op 0 sum, 1 max (NaN wins), 2 min (NaN wins)
__device__ __forceinline__ double combine(int op, double a, double b) {
  if (op == 0) return a + b;
  if (isnanD(a)) return a;
  if (isnanD(b)) return b;
  return op == 1 ? (a > b ? a : b) : (a < b ? a : b);
}

// Block-wide reduction of v; every thread gets the result.
__device__ double blockReduce(int op, double v) {
  __shared__ double partial[32];
  __shared__ double result;
  for (int o = 16; o > 0; o >>= 1) v = combine(op, v, __shfl_down_sync(0xffffffff, v, o));
  int lane = threadIdx.x & 31;
  int warp = threadIdx.x >> 5;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    int warps = (blockDim.x + 31) >> 5;
    double w = lane < warps ? partial[lane] : (op == 0 ? 0.0 : partial[0]);
    for (int o = 16; o > 0; o >>= 1) w = combine(op, w, __shfl_down_sync(0xffffffff, w, o));
    if (lane == 0) result = w;
  }
  __syncthreads();
  double r = result;
  __syncthreads();
  return r;
}

extern "C" __global__ void pl_rows(const RowParams p) {
  for (i64 row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const void* x = (const void*) (p.x.ptr);
    i64 xo = outerOffset(p, row, p.x.outer);
    int xd = (int) p.x.dtype;
    i64 n = p.n;
    if (p.kind == 7) {
      // cumsum: a running sum along the row by one thread (the rows it gets, position ids from
      // an attention mask, are a sequence long; a parallel scan would not pay)
      if (threadIdx.x == 0) {
        i64 yo = outerOffset(p, row, p.y.outer);
        double acc = 0.0;
        for (i64 i = 0; i < n; i++) {
          acc += pl_load(x, xo + innerOffset(p, i, p.x.inner), xd);
          pl_store((void*) p.y.ptr, yo + innerOffset(p, i, p.y.inner), (int) p.y.dtype, acc);
        }
      }
      continue;
    }
    if (p.kind >= 3) {
      int op = p.kind == 5 ? 1 : (p.kind == 6 ? 2 : 0);
      double acc = op == 1 ? -INFINITY : (op == 2 ? INFINITY : 0.0);
      for (i64 i = threadIdx.x; i < n; i += blockDim.x) {
        acc = combine(op, acc, pl_load(x, xo + innerOffset(p, i, p.x.inner), xd));
      }
      acc = blockReduce(op, acc);
      if (p.kind == 4) acc /= (double) n;
      if (threadIdx.x == 0) pl_store((void*) p.y.ptr, outerOffset(p, row, p.y.outer),
          (int) p.y.dtype, acc);
      continue;
    }
    i64 yo = outerOffset(p, row, p.y.outer);
    if (p.kind <= 1) {
      double mx = -INFINITY;
      for (i64 i = threadIdx.x; i < n; i += blockDim.x) {
        mx = combine(1, mx, pl_load(x, xo + innerOffset(p, i, p.x.inner), xd));
      }
      mx = blockReduce(1, mx);
      if (mx == -INFINITY) mx = 0.0;  // a fully masked row: NaN as in ATen
      double sum = 0.0;
      for (i64 i = threadIdx.x; i < n; i += blockDim.x) {
        sum += exp(pl_load(x, xo + innerOffset(p, i, p.x.inner), xd) - mx);
      }
      sum = blockReduce(0, sum);
      double logSum = log(sum) + mx;
      for (i64 i = threadIdx.x; i < n; i += blockDim.x) {
        double v = pl_load(x, xo + innerOffset(p, i, p.x.inner), xd);
        double r = p.kind == 1 ? v - logSum : exp(v - mx) / sum;
        pl_store((void*) p.y.ptr, yo + innerOffset(p, i, p.y.inner), (int) p.y.dtype, r);
      }
      continue;
    }
    // layer norm
    double s = 0.0;
    for (i64 i = threadIdx.x; i < n; i += blockDim.x) {
      s += pl_load(x, xo + innerOffset(p, i, p.x.inner), xd);
    }
    double mu = blockReduce(0, s) / (double) n;
    double q = 0.0;
    for (i64 i = threadIdx.x; i < n; i += blockDim.x) {
      double d = pl_load(x, xo + innerOffset(p, i, p.x.inner), xd) - mu;
      q += d * d;
    }
    double var = blockReduce(0, q) / (double) n;
    double r = 1.0 / sqrt(var + p.eps);
    for (i64 i = threadIdx.x; i < n; i += blockDim.x) {
      double v = pl_load(x, xo + innerOffset(p, i, p.x.inner), xd);
      double w = p.w.ptr ? pl_load((const void*) p.w.ptr, innerOffset(p, i, p.w.inner),
          (int) p.w.dtype) : 1.0;
      double b = p.b.ptr ? pl_load((const void*) p.b.ptr, innerOffset(p, i, p.b.inner),
          (int) p.b.dtype) : 0.0;
      pl_store((void*) p.y.ptr, yo + innerOffset(p, i, p.y.inner), (int) p.y.dtype,
          (v - mu) * r * w + b);
    }
    if (threadIdx.x == 0) {
      pl_store((void*) p.mean.ptr, outerOffset(p, row, p.mean.outer), (int) p.mean.dtype, mu);
      pl_store((void*) p.rstd.ptr, outerOffset(p, row, p.rstd.outer), (int) p.rstd.dtype, r);
    }
  }
}

struct BatchNormParams {
  i64 n, ndim, channels, saveStats;
  i64 shape[PL_MAXD];
  Operand x, y;
  Operand w, b, mean, var;   // per-channel vectors (stride[0]); w/b ptr 0 when None
  Operand saveMean, saveRstd;
  double eps;
  i64 dense;                 // x and y dense row-major: offset = index, channel from inner
  i64 inner;                 // elements per channel within one image (product of dims >= 2)
};

__device__ __forceinline__ double channelValue(const Operand& o, i64 c, double absent) {
  return o.ptr ? pl_load((const void*) o.ptr, c * o.stride[0], (int) o.dtype) : absent;
}

#define PL_BN_SMEM 1024

// The per-channel scale and shift are computed once per block (in double, as on the CPU) and
// kept in shared memory; each element then costs one multiply-add.
extern "C" __global__ void pl_batch_norm(const BatchNormParams p) {
  __shared__ double scale[PL_BN_SMEM];
  __shared__ double shift[PL_BN_SMEM];
  const bool cached = p.channels <= PL_BN_SMEM;
  if (cached) {
    for (i64 c = threadIdx.x; c < p.channels; c += blockDim.x) {
      double invstd = 1.0 / sqrt(channelValue(p.var, c, 0.0) + p.eps);
      double s = invstd * channelValue(p.w, c, 1.0);
      scale[c] = s;
      shift[c] = channelValue(p.b, c, 0.0) - channelValue(p.mean, c, 0.0) * s;
    }
    __syncthreads();
  }
  i64 step = (i64) gridDim.x * blockDim.x;
  for (i64 i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < p.n; i += step) {
    i64 xo;
    i64 yo;
    i64 ch;
    if (p.dense) {
      xo = yo = i;
      ch = (i / p.inner) % p.channels;
    } else {
      xo = 0;
      yo = 0;
      ch = 0;
      i64 r = i;
      for (int d = (int) p.ndim - 1; d >= 0; d--) {
        i64 c = r % p.shape[d];
        r /= p.shape[d];
        xo += c * p.x.stride[d];
        yo += c * p.y.stride[d];
        if (d == 1) ch = c;
      }
    }
    double s;
    double h;
    if (cached) {
      s = scale[ch];
      h = shift[ch];
    } else {
      double invstd = 1.0 / sqrt(channelValue(p.var, ch, 0.0) + p.eps);
      s = invstd * channelValue(p.w, ch, 1.0);
      h = channelValue(p.b, ch, 0.0) - channelValue(p.mean, ch, 0.0) * s;
    }
    double v = pl_load((const void*) p.x.ptr, xo, (int) p.x.dtype);
    pl_store((void*) p.y.ptr, yo, (int) p.y.dtype, v * s + h);
    if (p.saveStats && i < p.channels) {
      pl_store((void*) p.saveMean.ptr, i * p.saveMean.stride[0], (int) p.saveMean.dtype,
          channelValue(p.mean, i, 0.0));
      pl_store((void*) p.saveRstd.ptr, i * p.saveRstd.stride[0], (int) p.saveRstd.dtype,
          1.0 / sqrt(channelValue(p.var, i, 0.0) + p.eps));
    }
  }
}
