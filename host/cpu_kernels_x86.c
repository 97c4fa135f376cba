/*
 * cpu_kernels_x86.c - the AVX-512 and AVX2 + FMA kernel sets (see cpu_impl.h for what each
 * kernel computes). Each function carries its instruction set in a target attribute, so the
 * file builds with the default -march and runs only where cpu_kernels.c found the unit.
 *
 *   gemm    AVX-512: 8 x 48 micro-tile, 24 zmm accumulators, 3 loads of B and 8 broadcasts of
 *           A per 24 FMAs. AVX2: 6 x 16, 12 ymm accumulators, 2 loads and 6 broadcasts per
 *           12 FMAs. Accumulators start at 0 (first) or at C, and are stored back once.
 *   direct  up to 4 rows x 64 (AVX-512) or 24 (AVX2) columns held in registers across the
 *           whole reduction: one load per FMA, no store in the loop. Variants per row count
 *           and vector count are generated, so no accumulator goes unused.
 *   pack    masked 16-lane moves (AVX-512); memcpy (AVX2).
 */
#include "cpu_impl.h"

#ifdef TCONV_CPU_X86

#include <immintrin.h>

#define TARGET_AVX512 __attribute__((target("avx512f")))
#define TARGET_AVX2 __attribute__((target("avx2,fma")))

/* ---- AVX-512 ------------------------------------------------------------------------- */

#define A512_MR 8
#define PACK_AHEAD 8 /* packed rows between a prefetch and its use */
#define A512_NR 48
#define A512_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define A512_DECLARE(i) __m512 c##i##0, c##i##1, c##i##2;
#define A512_ZERO(i) c##i##0 = c##i##1 = c##i##2 = _mm512_setzero_ps();
#define A512_LOAD(i)                                                                               \
  c##i##0 = _mm512_loadu_ps(c + (i)*ldc);                                                          \
  c##i##1 = _mm512_loadu_ps(c + (i)*ldc + 16);                                                     \
  c##i##2 = _mm512_loadu_ps(c + (i)*ldc + 32);
#define A512_STEP(i)                                                                               \
  {                                                                                                \
    const __m512 a##i = _mm512_set1_ps(a[i]);                                                      \
    c##i##0 = _mm512_fmadd_ps(a##i, b0, c##i##0);                                                  \
    c##i##1 = _mm512_fmadd_ps(a##i, b1, c##i##1);                                                  \
    c##i##2 = _mm512_fmadd_ps(a##i, b2, c##i##2);                                                  \
  }
#define A512_STORE(i)                                                                              \
  _mm512_storeu_ps(c + (i)*ldc, c##i##0);                                                          \
  _mm512_storeu_ps(c + (i)*ldc + 16, c##i##1);                                                     \
  _mm512_storeu_ps(c + (i)*ldc + 32, c##i##2);

TARGET_AVX512 static void gemm_avx512(int64_t kc, const float *a, const float *b, float *c,
                                      int64_t ldc, int first) {
  A512_ROWS(A512_DECLARE)
  if (first) {
    A512_ROWS(A512_ZERO)
  } else {
    A512_ROWS(A512_LOAD)
  }
  for (int64_t k = 0; k < kc; ++k, a += A512_MR, b += A512_NR) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16), b2 = _mm512_load_ps(b + 32);
    A512_ROWS(A512_STEP)
  }
  A512_ROWS(A512_STORE)
}

/* Lanes [0, n) of a 16-lane vector, n clamped to 0..16. */
TARGET_AVX512 static inline __mmask16 lanes16(int64_t n) {
  return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}

/* R rows x V vectors of 16 columns, every accumulator in a register. */
#define A512_DIRECT(R, V)                                                                          \
  TARGET_AVX512 static void direct512_##R##_##V(int64_t kc, const float *w, const int64_t *off,    \
                                                const float *const *src, float *const *out,        \
                                                int64_t i0, int64_t n) {                           \
    __mmask16 m[V];                                                                                \
    __m512 acc[R][V];                                                                              \
    _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {                                          \
      m[v] = lanes16(n - 16 * v);                                                                  \
      _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) { acc[r][v] = _mm512_setzero_ps(); }     \
    }                                                                                              \
    for (int64_t k = 0; k < kc; ++k) {                                                             \
      const __m512 wk = _mm512_set1_ps(w[k]);                                                      \
      const int64_t o = off[k] + i0;                                                               \
      _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) {                                        \
        _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {                                      \
          acc[r][v] =                                                                              \
              _mm512_fmadd_ps(wk, _mm512_maskz_loadu_ps(m[v], src[r] + o + 16 * v), acc[r][v]);    \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
    _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) {                                          \
      _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {                                        \
        _mm512_mask_storeu_ps(out[r] + i0 + 16 * v, m[v], acc[r][v]);                              \
      }                                                                                            \
    }                                                                                              \
  }

#define A512_DIRECT_V(R) A512_DIRECT(R, 1) A512_DIRECT(R, 2) A512_DIRECT(R, 3) A512_DIRECT(R, 4)
A512_DIRECT_V(1)
A512_DIRECT_V(2)
A512_DIRECT_V(3)
A512_DIRECT_V(4)

typedef void (*direct_block_fn)(int64_t kc, const float *w, const int64_t *off,
                                const float *const *src, float *const *out, int64_t i0, int64_t n);

#define A512_ROW(R)                                                                                \
  { direct512_##R##_1, direct512_##R##_2, direct512_##R##_3, direct512_##R##_4 }
static const direct_block_fn direct512[CPU_DIRECT_ROWS][4] = {A512_ROW(1), A512_ROW(2), A512_ROW(3),
                                                              A512_ROW(4)};

#define A512_CHUNK 64

TARGET_AVX512 static void direct_avx512(int64_t kc, const float *w, const int64_t *off,
                                        const float *const *src, float *const *out, int rows,
                                        int64_t len) {
  for (int64_t i0 = 0; i0 < len; i0 += A512_CHUNK) {
    const int64_t n = len - i0 < A512_CHUNK ? len - i0 : A512_CHUNK;
    direct512[rows - 1][(n + 15) / 16 - 1](kc, w, off, src, out, i0, n);
  }
}

TARGET_AVX512 static void pack_avx512(int64_t kc, const float *const *src, const cpu_piece *pieces,
                                      int64_t npieces, float *b) {
  for (int64_t kk = 0; kk < kc; ++kk, b += A512_NR) {
    const float *s = src[kk];
    /* The rows PACK_AHEAD steps on usually start a new channel, far from this one: ask for
     * their lines now, or the loads below wait on memory. */
    const float *ahead = kk + PACK_AHEAD < kc ? src[kk + PACK_AHEAD] : NULL;
    for (int64_t p = 0; p < npieces; ++p) {
      const cpu_piece *c = &pieces[p];
      if (ahead != NULL) {
        _mm_prefetch((const char *)(ahead + c->src), _MM_HINT_T0);
        _mm_prefetch((const char *)(ahead + c->src + c->len - 1), _MM_HINT_T0);
      }
      for (int64_t i = 0; i < c->len; i += 16) {
        const __mmask16 m = lanes16(c->len - i);
        _mm512_mask_storeu_ps(b + c->dst + i, m, _mm512_maskz_loadu_ps(m, s + c->src + i));
      }
    }
  }
}

/* Step 1: masked moves; step 2: every other element of 32 by one permute; else scalar. */
TARGET_AVX512 static void gather_avx512(float *dst, const float *src, int64_t n, int64_t step) {
  if (step == 1) {
    for (int64_t i = 0; i < n; i += 16) {
      const __mmask16 m = lanes16(n - i);
      _mm512_mask_storeu_ps(dst + i, m, _mm512_maskz_loadu_ps(m, src + i));
    }
  } else if (step == 2) {
    const __m512i even =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (int64_t i = 0; i < n; i += 16) {
      /* Sources src[2i .. 2i + 2(n - i) - 2]: 2(n - i) - 1 elements from 2i. */
      const int64_t left = 2 * (n - i) - 1;
      const __m512 lo = _mm512_maskz_loadu_ps(lanes16(left), src + 2 * i);
      const __m512 hi = _mm512_maskz_loadu_ps(lanes16(left - 16), src + 2 * i + 16);
      _mm512_mask_storeu_ps(dst + i, lanes16(n - i), _mm512_permutex2var_ps(lo, even, hi));
    }
  } else {
    tconv_cpu_gather_generic(dst, src, n, step);
  }
}

const cpu_kernels tconv_cpu_avx512 = {"avx512",      A512_MR,       A512_NR,    gemm_avx512,
                                      direct_avx512, gather_avx512, pack_avx512};

/* ---- AVX2 + FMA ---------------------------------------------------------------------- */

#define A2_MR 6
#define A2_NR 16
#define A2_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define A2_DECLARE(i) __m256 c##i##0, c##i##1;
#define A2_ZERO(i) c##i##0 = c##i##1 = _mm256_setzero_ps();
#define A2_LOAD(i)                                                                                 \
  c##i##0 = _mm256_loadu_ps(c + (i)*ldc);                                                          \
  c##i##1 = _mm256_loadu_ps(c + (i)*ldc + 8);
#define A2_STEP(i)                                                                                 \
  {                                                                                                \
    const __m256 a##i = _mm256_broadcast_ss(a + (i));                                              \
    c##i##0 = _mm256_fmadd_ps(a##i, b0, c##i##0);                                                  \
    c##i##1 = _mm256_fmadd_ps(a##i, b1, c##i##1);                                                  \
  }
#define A2_STORE(i)                                                                                \
  _mm256_storeu_ps(c + (i)*ldc, c##i##0);                                                          \
  _mm256_storeu_ps(c + (i)*ldc + 8, c##i##1);

TARGET_AVX2 static void gemm_avx2(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                                  int first) {
  A2_ROWS(A2_DECLARE)
  if (first) {
    A2_ROWS(A2_ZERO)
  } else {
    A2_ROWS(A2_LOAD)
  }
  for (int64_t k = 0; k < kc; ++k, a += A2_MR, b += A2_NR) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    A2_ROWS(A2_STEP)
  }
  A2_ROWS(A2_STORE)
}

/* Lanes [0, n) of an 8-lane vector as maskload's sign mask. */
TARGET_AVX2 static inline __m256i lanes8(int64_t n) {
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const int clamped = n >= 8 ? 8 : n <= 0 ? 0 : (int)n;
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(clamped), index);
}

#define A2_DIRECT(R, V)                                                                            \
  TARGET_AVX2 static void direct2_##R##_##V(int64_t kc, const float *w, const int64_t *off,        \
                                            const float *const *src, float *const *out,            \
                                            int64_t i0, int64_t n) {                               \
    __m256i m[V];                                                                                  \
    __m256 acc[R][V];                                                                              \
    _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {                                          \
      m[v] = lanes8(n - 8 * v);                                                                    \
      _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) { acc[r][v] = _mm256_setzero_ps(); }     \
    }                                                                                              \
    for (int64_t k = 0; k < kc; ++k) {                                                             \
      const __m256 wk = _mm256_broadcast_ss(w + k);                                                \
      const int64_t o = off[k] + i0;                                                               \
      _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) {                                        \
        _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {                                      \
          acc[r][v] =                                                                              \
              _mm256_fmadd_ps(wk, _mm256_maskload_ps(src[r] + o + 8 * v, m[v]), acc[r][v]);        \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
    _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) {                                          \
      _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {                                        \
        _mm256_maskstore_ps(out[r] + i0 + 8 * v, m[v], acc[r][v]);                                 \
      }                                                                                            \
    }                                                                                              \
  }

#define A2_DIRECT_V(R) A2_DIRECT(R, 1) A2_DIRECT(R, 2) A2_DIRECT(R, 3)
A2_DIRECT_V(1)
A2_DIRECT_V(2)
A2_DIRECT_V(3)
A2_DIRECT_V(4)

#define A2_ROW(R)                                                                                  \
  { direct2_##R##_1, direct2_##R##_2, direct2_##R##_3 }
static const direct_block_fn direct2[CPU_DIRECT_ROWS][3] = {A2_ROW(1), A2_ROW(2), A2_ROW(3),
                                                            A2_ROW(4)};

#define A2_CHUNK 24

TARGET_AVX2 static void direct_avx2(int64_t kc, const float *w, const int64_t *off,
                                    const float *const *src, float *const *out, int rows,
                                    int64_t len) {
  for (int64_t i0 = 0; i0 < len; i0 += A2_CHUNK) {
    const int64_t n = len - i0 < A2_CHUNK ? len - i0 : A2_CHUNK;
    direct2[rows - 1][(n + 7) / 8 - 1](kc, w, off, src, out, i0, n);
  }
}

static void pack_avx2(int64_t kc, const float *const *src, const cpu_piece *pieces, int64_t npieces,
                      float *b) {
  tconv_cpu_pack_rows(kc, src, pieces, npieces, b, A2_NR);
}

const cpu_kernels tconv_cpu_avx2 = {
    "avx2", A2_MR, A2_NR, gemm_avx2, direct_avx2, tconv_cpu_gather_generic, pack_avx2};

#endif /* TCONV_CPU_X86 */
