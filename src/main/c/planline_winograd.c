/*
 * 3x3 stride-1 convolutions (padding 1) as Winograd's F(4x4, 3x3), for channels-last float32
 * tensors on AVX-512 (kernel/WinogradConv calls it; tools/build_winograd.sh builds it).
 *
 * Each 4x4 block ("tile") of the output comes from a 6x6 block of the input: the input block is
 * transformed (B^T d B), multiplied point by point with the transformed weight (G g G^T) and
 * summed over the input channels, and transformed back (A^T m A). Summed over channels, the 36
 * points are 36 matrix products [tiles x C] x [C x K]: 36 multiply-adds per channel pair and
 * tile where the direct convolution does 144.
 *
 * Why a kernel of planline's own: oneDNN 3.11 has no float32 Winograd on these processors, and
 * session 36 (docs/benchmarks.md) found that the three phases as separate passes (transform,
 * oneDNN's products, transform back) lose inside a model what they win alone: their
 * intermediates are as large as the activations and leave the cache between phases. Here each
 * thread takes a few tiles at a time through all three phases, so the transformed input and the
 * products of a block stay in the core's L1 and L2 caches, and only the transformed weight
 * (36 * C * K floats, 0.6 MB at 64 channels) is shared by the blocks.
 *
 * Layouts: x [N, H, W, C] and y [N, H, W, K] dense channels-last; the transformed weight
 * [36][K / 32][C][32] (planline_winograd_weights writes it); C a multiple of 16 and K of 32.
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

/* Whether this processor runs the kernels below; built for plain x86-64, so any can ask. */
int planline_winograd_supported(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
         && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
         && __builtin_cpu_supports("fma");
}

/* Everything below is for AVX-512 (the file itself is built for plain x86-64). */
#pragma GCC target("avx2,fma,avx512f,avx512dq,avx512bw,avx512vl")

#define POINTS 36
#define ROWS 8   /* tiles in one register block of the products */
#define COLS 32  /* output channels in one register block: two vectors of 16 */

/* The weight transform G (6x3) of F(4x4, 3x3), points 0, 1, -1, 2, -2 and infinity. */
static const double G[6][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1},
};

/*
 * Transforms a [K, C, 3, 3] weight whose element (k, c, i, j) lies at
 * w[k * sk + c * sc + i * si + j * sj] into u, laid out [36][K / 32][C][32] so that the
 * products read 32 output channels of one input channel as two aligned vectors. In double, then
 * rounded once.
 */
void planline_winograd_weights(const float *w, int64_t k, int64_t c, int64_t sk, int64_t sc,
                               int64_t si, int64_t sj, float *u) {
  for (int64_t ko = 0; ko < k; ko++) {
    for (int64_t ci = 0; ci < c; ci++) {
      const float *g = w + ko * sk + ci * sc;
      double gg[6][3]; /* G g */
      for (int a = 0; a < 6; a++) {
        for (int j = 0; j < 3; j++) {
          gg[a][j] = G[a][0] * g[j * sj] + G[a][1] * g[si + j * sj] + G[a][2] * g[2 * si + j * sj];
        }
      }
      for (int a = 0; a < 6; a++) {
        for (int b = 0; b < 6; b++) {
          double v = gg[a][0] * G[b][0] + gg[a][1] * G[b][1] + gg[a][2] * G[b][2];
          int64_t p = a * 6 + b;
          u[((p * (k / COLS) + ko / COLS) * c + ci) * COLS + ko % COLS] = (float) v;
        }
      }
    }
  }
}

/* B^T applied to six vectors: one column (or row) of a 6x6 input block. */
static inline void input_rows(const __m512 d[6], __m512 r[6]) {
  const __m512 four = _mm512_set1_ps(4.f), five = _mm512_set1_ps(5.f),
               two = _mm512_set1_ps(2.f);
  __m512 d4m2 = _mm512_sub_ps(d[4], d[2]);       /* d4 - d2 */
  __m512 d3m1 = _mm512_sub_ps(d[3], d[1]);       /* d3 - d1 */
  __m512 s = _mm512_fnmadd_ps(four, d[2], d[4]); /* d4 - 4 d2 */
  __m512 t = _mm512_fnmadd_ps(four, d[1], d[3]); /* d3 - 4 d1 */
  r[0] = _mm512_add_ps(_mm512_fnmadd_ps(five, d[2], _mm512_mul_ps(four, d[0])), d[4]);
  r[1] = _mm512_add_ps(s, t);
  r[2] = _mm512_sub_ps(s, t);
  r[3] = _mm512_fmadd_ps(two, d3m1, d4m2);
  r[4] = _mm512_fnmadd_ps(two, d3m1, d4m2);
  r[5] = _mm512_add_ps(_mm512_fnmadd_ps(five, d[3], _mm512_mul_ps(four, d[1])), d[5]);
}

/* A^T applied to six vectors: four outputs. */
static inline void output_rows(const __m512 m[6], __m512 o[4]) {
  const __m512 two = _mm512_set1_ps(2.f), four = _mm512_set1_ps(4.f),
               eight = _mm512_set1_ps(8.f);
  __m512 a = _mm512_add_ps(m[1], m[2]), b = _mm512_sub_ps(m[1], m[2]);
  __m512 c = _mm512_add_ps(m[3], m[4]), d = _mm512_sub_ps(m[3], m[4]);
  o[0] = _mm512_add_ps(_mm512_add_ps(m[0], a), c);
  o[1] = _mm512_fmadd_ps(two, d, b);
  o[2] = _mm512_fmadd_ps(four, c, a);
  o[3] = _mm512_add_ps(_mm512_fmadd_ps(eight, d, b), m[5]);
}

/*
 * What one thread keeps between its blocks and calls: the transformed inputs and the products.
 * Held per thread through a key whose destructor frees it when the thread ends (a request
 * thread, an OpenMP worker), so a pool that replaces its threads leaks nothing.
 */
struct scratch {
  float *v; /* [36][rows][C] */
  float *m; /* [36][rows][K] */
  size_t floats;
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_release(void *p) {
  struct scratch *s = p;
  free(s->v);
  free(s->m);
  free(s);
}

static void scratch_key_make(void) {
  pthread_key_create(&scratch_key, scratch_release);
}

/* This thread's scratch with room for `floats` floats in each half; NULL if out of memory. */
static struct scratch *scratch_for(size_t floats) {
  pthread_once(&scratch_once, scratch_key_make);
  struct scratch *s = pthread_getspecific(scratch_key);
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s || pthread_setspecific(scratch_key, s) != 0) {
      free(s);
      return NULL;
    }
  }
  if (s->floats < floats) {
    free(s->v);
    free(s->m);
    size_t bytes = (floats * sizeof(float) + 63) & ~(size_t) 63;
    s->v = aligned_alloc(64, bytes);
    s->m = aligned_alloc(64, bytes);
    s->floats = (s->v && s->m) ? floats : 0;
    if (!s->floats) {
      free(s->v);
      free(s->m);
      s->v = s->m = NULL;
      return NULL;
    }
  }
  return s;
}

/*
 * Transforms the input blocks of tiles [first, first + count) into v [36][rows][C] (rows: the
 * block's room, at least count). A tile's 6x6 block starts one row and one column before its
 * output block (padding 1); what lies outside the image reads as zero.
 */
static void transform_input(const float *x, int64_t h, int64_t w, int64_t c, int64_t tiles_h,
                            int64_t tiles_w, int64_t first, int64_t count, int64_t rows,
                            float *v) {
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t r = 0; r < count; r++) {
    int64_t t = first + r;
    int64_t n = t / (tiles_h * tiles_w), ty = t / tiles_w % tiles_h, tx = t % tiles_w;
    int64_t y0 = ty * 4 - 1, x0 = tx * 4 - 1;
    const float *image = x + n * h * w * c;
    for (int64_t c0 = 0; c0 < c; c0 += 16) {
      __m512 rows_t[6][6]; /* B^T d, by input row */
      __m512 d[6];
      __m512 col[6], out[6];
      /* columns first: for each input column j, B^T over the six rows */
      for (int j = 0; j < 6; j++) {
        int64_t xx = x0 + j;
        for (int i = 0; i < 6; i++) {
          int64_t yy = y0 + i;
          d[i] = (yy >= 0 && yy < h && xx >= 0 && xx < w)
                     ? _mm512_loadu_ps(image + (yy * w + xx) * c + c0)
                     : zero;
        }
        input_rows(d, col);
        for (int i = 0; i < 6; i++) {
          rows_t[i][j] = col[i];
        }
      }
      for (int i = 0; i < 6; i++) {
        input_rows(rows_t[i], out);
        for (int j = 0; j < 6; j++) {
          _mm512_storeu_ps(v + ((i * 6 + j) * rows + r) * c + c0, out[j]);
        }
      }
    }
  }
}

/*
 * m[0..rows) x [0..COLS) = a[0..rows) x [0..depth) * b [depth][COLS], rows at most ROWS: a's
 * rows `lda` floats apart, m's `ldm` apart. Up to sixteen accumulators; each step loads two
 * vectors of b and broadcasts one float of each row of a. Always inlined with a constant
 * `rows`, so each row count gets its own unrolled copy with the accumulators in registers.
 */
static inline __attribute__((always_inline)) void product_rows(
    const float *a, int64_t lda, const float *b, int64_t depth, float *m, int64_t ldm,
    const int rows) {
  __m512 c0[ROWS], c1[ROWS];
  for (int r = 0; r < rows; r++) {
    c0[r] = _mm512_setzero_ps();
    c1[r] = _mm512_setzero_ps();
  }
  for (int64_t l = 0; l < depth; l++) {
    __m512 b0 = _mm512_load_ps(b + l * COLS), b1 = _mm512_load_ps(b + l * COLS + 16);
    for (int r = 0; r < rows; r++) {
      __m512 ar = _mm512_set1_ps(a[r * lda + l]);
      c0[r] = _mm512_fmadd_ps(ar, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(ar, b1, c1[r]);
    }
  }
  for (int r = 0; r < rows; r++) {
    _mm512_storeu_ps(m + r * ldm, c0[r]);
    _mm512_storeu_ps(m + r * ldm + 16, c1[r]);
  }
}

/* product_rows for a row count known only at run time (1 to ROWS). */
static void product_block(const float *a, int64_t lda, const float *b, int64_t depth, float *m,
                          int64_t ldm, int rows) {
  switch (rows) {
    case 1: product_rows(a, lda, b, depth, m, ldm, 1); break;
    case 2: product_rows(a, lda, b, depth, m, ldm, 2); break;
    case 3: product_rows(a, lda, b, depth, m, ldm, 3); break;
    case 4: product_rows(a, lda, b, depth, m, ldm, 4); break;
    case 5: product_rows(a, lda, b, depth, m, ldm, 5); break;
    case 6: product_rows(a, lda, b, depth, m, ldm, 6); break;
    case 7: product_rows(a, lda, b, depth, m, ldm, 7); break;
    default: product_rows(a, lda, b, depth, m, ldm, ROWS); break;
  }
}

/*
 * The 36 products of a block of `count` tiles, m[p] = v[p] [count x C] * u[p] [C x K], where v
 * and m have room for `rows` tiles a point.
 */
static void multiply(const float *v, const float *u, int64_t c, int64_t k, int64_t rows,
                     int64_t count, float *m) {
  for (int p = 0; p < POINTS; p++) {
    for (int64_t kb = 0; kb < k / COLS; kb++) {
      const float *b = u + (p * (k / COLS) + kb) * c * COLS;
      for (int64_t r = 0; r < count; r += ROWS) {
        int n = count - r < ROWS ? (int) (count - r) : ROWS;
        product_block(v + (p * rows + r) * c, c, b, c, m + (p * rows + r) * k + kb * COLS, k, n);
      }
    }
  }
}

/*
 * Transforms the products of tiles [first, first + count) back to 4x4 output blocks, adds the
 * bias and `other` (a tensor of the output's layout, such as a residual; either may be NULL,
 * and `other` may be y itself, each pixel read before it is written), applies the ReLU if asked
 * and writes the pixels inside the image.
 */
static void transform_output(const float *m, const float *bias, const float *other, int relu,
                             int64_t h, int64_t w, int64_t k, int64_t tiles_h, int64_t tiles_w,
                             int64_t first, int64_t count, int64_t rows, float *y) {
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t r = 0; r < count; r++) {
    int64_t t = first + r;
    int64_t n = t / (tiles_h * tiles_w), ty = t / tiles_w % tiles_h, tx = t % tiles_w;
    float *image = y + n * h * w * k;
    const float *added = other ? other + n * h * w * k : NULL;
    for (int64_t k0 = 0; k0 < k; k0 += 16) {
      __m512 half[4][6]; /* A^T m, by output row */
      __m512 col[6], o[4], out[4];
      for (int j = 0; j < 6; j++) {
        for (int i = 0; i < 6; i++) {
          col[i] = _mm512_loadu_ps(m + ((i * 6 + j) * rows + r) * k + k0);
        }
        output_rows(col, o);
        for (int i = 0; i < 4; i++) {
          half[i][j] = o[i];
        }
      }
      __m512 b = bias ? _mm512_loadu_ps(bias + k0) : zero;
      for (int i = 0; i < 4; i++) {
        int64_t yy = ty * 4 + i;
        if (yy >= h) {
          break;
        }
        output_rows(half[i], out);
        for (int j = 0; j < 4; j++) {
          int64_t xx = tx * 4 + j;
          if (xx >= w) {
            break;
          }
          __m512 value = _mm512_add_ps(out[j], b);
          if (added) {
            value = _mm512_add_ps(value, _mm512_loadu_ps(added + (yy * w + xx) * k + k0));
          }
          if (relu) {
            value = _mm512_max_ps(value, zero);
          }
          _mm512_storeu_ps(image + (yy * w + xx) * k + k0, value);
        }
      }
    }
  }
}

/*
 * y = conv2d(x, weight, padding 1) + bias + other, then max(y, 0) if relu, on `threads` OpenMP
 * threads (bias and other may be NULL; other may be y, for the in-place residual addition),
 * with u the weight as planline_winograd_weights wrote it. Returns 0, or 1 where a thread could
 * not allocate its scratch (nothing is then written).
 */
int64_t planline_winograd_conv(const float *x, const float *u, const float *bias,
                               const float *other, float *y,
                               int64_t n, int64_t h, int64_t w, int64_t c, int64_t k,
                               int64_t relu, int64_t threads) {
  int64_t tiles_h = (h + 3) / 4, tiles_w = (w + 3) / 4, tiles = n * tiles_h * tiles_w;
  /* blocks of up to 16 tiles, fewer where the channels are many, so that a block's transformed
     input and products stay in the core's L2 cache; spread evenly over the blocks */
  int64_t most = c * k <= 64 * 64 ? 16 : 8;
  int64_t blocks = (tiles + most - 1) / most;
  /* as many blocks on every thread (a static split waits for its slowest thread) */
  blocks = (blocks + threads - 1) / threads * threads;
  int64_t rows = (tiles + blocks - 1) / blocks; /* the most tiles a block gets */
  size_t floats = (size_t) POINTS * rows * (c > k ? c : k);
  int failed = 0;
#pragma omp parallel num_threads(threads)
  {
    /* every thread's scratch first: where one cannot have it, nothing is written (the in-place
       form's y still holds the residual) */
    struct scratch *s = scratch_for(floats);
    if (!s) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp barrier
    int stop;
#pragma omp atomic read
    stop = failed;
    if (!stop) {
#pragma omp for schedule(static)
      for (int64_t b = 0; b < blocks; b++) {
        /* block b's share of the tiles, spread evenly (sizes differ by one at most) */
        int64_t first = b * tiles / blocks;
        int64_t count = (b + 1) * tiles / blocks - first;
        if (count > 0) {
          transform_input(x, h, w, c, tiles_h, tiles_w, first, count, rows, s->v);
          multiply(s->v, u, c, k, rows, count, s->m);
          transform_output(s->m, bias, other, (int) relu, h, w, k, tiles_h, tiles_w, first,
                           count, rows, y);
        }
      }
    }
  }
  return failed;
}
