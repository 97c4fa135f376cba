/*
 * cpu_kernels_x86.c - the AVX-512 and AVX2 + FMA kernel sets (see cpu_impl.h for what each
 * kernel computes). Each function carries its instruction set in a target attribute, so the
 * file builds with the default -march and runs only where cpu_kernels.c found the unit.
 *
 *   gemm    AVX-512: 8 x 48 micro-tile, 24 zmm accumulators, 3 loads of B and 8 broadcasts of
 *           A per 24 FMAs. AVX2: 6 x 16, 12 ymm accumulators, 2 loads and 6 broadcasts per
 *           12 FMAs. Accumulators start at 0 (first) or at C, and are stored back once. A
 *           narrower last panel runs a variant with only the vectors its columns need.
 *           With A read in place, AVX-512 has a 6 x 64 tile too: 6 broadcasts and 4 loads
 *           per 24 FMAs, and 64 columns in one panel where 8 x 48 needs a second, 16 wide.
 *   direct  up to 4 rows x 64 (AVX-512) or 24 (AVX2) columns held in registers across the
 *           whole reduction: one load per FMA, no store in the loop. Variants per row count
 *           and vector count are generated, so no accumulator goes unused.
 *   pack    masked 16-lane moves (AVX-512); memcpy (AVX2); pad_rows likewise.
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
#define A512_WIDE_MR 6 /* the tile for A read in place: 6 x 64, 24 zmm accumulators */
#define A512_WIDE_NR 64
/* An MR x NR micro-tile (NR = 16 x its vectors), of which the first V vectors of columns are
 * computed: V = NR / 16 is the whole tile, fewer serve a last panel with at most 16 V columns
 * (its other lanes are not computed). A is packed (a, MR values per step) or, with arow, read
 * in place (arow[i][aoff[k]]). Every index is a constant once unrolled, so the accumulators
 * live in registers. */
TARGET_AVX512 static inline __attribute__((always_inline)) void
gemm512(int64_t kc, const float *a, const float *const *arow, const int64_t *aoff, const float *b,
        float *c, int64_t ldc, int first, const char *pf, int64_t pf_lines, const int MR,
        const int NR, const int V) {
  __m512 acc[A512_MR][4];
  const float *r[A512_MR];
  _Pragma("GCC unroll 8") for (int i = 0; i < MR; ++i) {
    r[i] = arow != NULL ? arow[i] : a + i;
    _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {
      acc[i][v] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + i * ldc + 16 * v);
    }
  }
  for (int64_t k = 0; k < kc; ++k, b += NR) {
    const int64_t o = arow != NULL ? aoff[k] : k * MR;
    if (k < pf_lines)
      _mm_prefetch(pf + 64 * k, _MM_HINT_T1);
    __m512 bv[4];
    _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) { bv[v] = _mm512_load_ps(b + 16 * v); }
    _Pragma("GCC unroll 8") for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(r[i][o]);
      _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {
        acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
      }
    }
  }
  _Pragma("GCC unroll 8") for (int i = 0; i < MR; ++i) {
    _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {
      _mm512_storeu_ps(c + i * ldc + 16 * v, acc[i][v]);
    }
  }
}

/* gemm512_<NAME>_<V>: A read in place, on the MR x NR tile. */
#define A512_ROWS(NAME, MR, NR, V)                                                                 \
  TARGET_AVX512 static void gemm512_##NAME##_##V(                                                  \
      int64_t kc, const float *const *arow, const int64_t *aoff, const float *b, float *c,         \
      int64_t ldc, int first, const char *pf, int64_t pf_lines) {                                  \
    gemm512(kc, NULL, arow, aoff, b, c, ldc, first, pf, pf_lines, MR, NR, V);                      \
  }

#define A512_GEMM(V)                                                                               \
  TARGET_AVX512 static void gemm512_##V(int64_t kc, const float *a, const float *b, float *c,      \
                                        int64_t ldc, int first) {                                  \
    gemm512(kc, a, NULL, NULL, b, c, ldc, first, NULL, 0, A512_MR, A512_NR, V);                    \
  }                                                                                                \
  A512_ROWS(rows, A512_MR, A512_NR, V)
A512_GEMM(1)
A512_GEMM(2)
A512_GEMM(3)
A512_ROWS(wide, A512_WIDE_MR, A512_WIDE_NR, 1)
A512_ROWS(wide, A512_WIDE_MR, A512_WIDE_NR, 2)
A512_ROWS(wide, A512_WIDE_MR, A512_WIDE_NR, 3)
A512_ROWS(wide, A512_WIDE_MR, A512_WIDE_NR, 4)

static void gemm_avx512(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                        int first, int cols) {
  if (cols > 32)
    gemm512_3(kc, a, b, c, ldc, first);
  else if (cols > 16)
    gemm512_2(kc, a, b, c, ldc, first);
  else
    gemm512_1(kc, a, b, c, ldc, first);
}

static void gemm_rows_avx512(int64_t kc, const float *const *arow, const int64_t *aoff,
                             const float *b, float *c, int64_t ldc, int first, int cols,
                             const char *pf, int64_t pf_lines) {
  if (cols > 32)
    gemm512_rows_3(kc, arow, aoff, b, c, ldc, first, pf, pf_lines);
  else if (cols > 16)
    gemm512_rows_2(kc, arow, aoff, b, c, ldc, first, pf, pf_lines);
  else
    gemm512_rows_1(kc, arow, aoff, b, c, ldc, first, pf, pf_lines);
}

static void gemm_wide_avx512(int64_t kc, const float *const *arow, const int64_t *aoff,
                             const float *b, float *c, int64_t ldc, int first, int cols,
                             const char *pf, int64_t pf_lines) {
  if (cols > 48)
    gemm512_wide_4(kc, arow, aoff, b, c, ldc, first, pf, pf_lines);
  else if (cols > 32)
    gemm512_wide_3(kc, arow, aoff, b, c, ldc, first, pf, pf_lines);
  else if (cols > 16)
    gemm512_wide_2(kc, arow, aoff, b, c, ldc, first, pf, pf_lines);
  else
    gemm512_wide_1(kc, arow, aoff, b, c, ldc, first, pf, pf_lines);
}

/* Lanes [0, n) of a 16-lane vector, n clamped to 0..16. */
TARGET_AVX512 static inline __mmask16 lanes16(int64_t n) {
  return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}

/* R rows x C output channels x V vectors of 16 columns, every accumulator in a register:
 * each load of the input serves the C channels. */
#define A512_DIRECT(R, C, V)                                                                       \
  TARGET_AVX512 static void direct512_##R##_##C##_##V(                                             \
      int64_t kc, const float *w, const int64_t *off, const float *const *src, float *const *out,  \
      int64_t i0, int64_t n, int first, const char *pf, int64_t pf_lines) {                        \
    __mmask16 m[V];                                                                                \
    __m512 acc[C][R][V];                                                                           \
    _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {                                          \
      m[v] = lanes16(n - 16 * v);                                                                  \
      _Pragma("GCC unroll 3") for (int c = 0; c < C; ++c) {                                        \
        _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) {                                      \
          acc[c][r][v] =                                                                           \
              first ? _mm512_setzero_ps()                                                          \
                    : _mm512_maskz_loadu_ps(m[v], out[c * CPU_DIRECT_ROWS + r] + i0 + 16 * v);     \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
    for (int64_t k = 0; k < kc; ++k) {                                                             \
      __m512 wk[C];                                                                                \
      _Pragma("GCC unroll 3") for (int c = 0; c < C; ++c) {                                        \
        wk[c] = _mm512_set1_ps(w[c * kc + k]);                                                     \
      }                                                                                            \
      const int64_t o = off[k] + i0;                                                               \
      if (k < pf_lines)                                                                            \
        _mm_prefetch(pf + 64 * k, _MM_HINT_T1);                                                    \
      _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) {                                        \
        _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {                                      \
          const __m512 x = _mm512_maskz_loadu_ps(m[v], src[r] + o + 16 * v);                       \
          _Pragma("GCC unroll 3") for (int c = 0; c < C; ++c) {                                    \
            acc[c][r][v] = _mm512_fmadd_ps(wk[c], x, acc[c][r][v]);                                \
          }                                                                                        \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
    _Pragma("GCC unroll 3") for (int c = 0; c < C; ++c) {                                          \
      _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) {                                        \
        _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {                                      \
          _mm512_mask_storeu_ps(out[c * CPU_DIRECT_ROWS + r] + i0 + 16 * v, m[v], acc[c][r][v]);   \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
  }

/* Vectors per channel count, so that R x C x V stays within 24 accumulators: C = 1 up to 4
 * vectors (64 columns), C = 2 up to 3, C = 3 up to 2. */
#define A512_DIRECT_R(R)                                                                           \
  A512_DIRECT(R, 1, 1)                                                                             \
  A512_DIRECT(R, 1, 2)                                                                             \
  A512_DIRECT(R, 1, 3)                                                                             \
  A512_DIRECT(R, 1, 4)                                                                             \
  A512_DIRECT(R, 2, 1)                                                                             \
  A512_DIRECT(R, 2, 2)                                                                             \
  A512_DIRECT(R, 2, 3)                                                                             \
  A512_DIRECT(R, 3, 1)                                                                             \
  A512_DIRECT(R, 3, 2)
A512_DIRECT_R(1)
A512_DIRECT_R(2)
A512_DIRECT_R(3)
A512_DIRECT_R(4)

typedef void (*direct_block_fn)(int64_t kc, const float *w, const int64_t *off,
                                const float *const *src, float *const *out, int64_t i0, int64_t n,
                                int first, const char *pf, int64_t pf_lines);

#define A512_ROW(R)                                                                                \
  {                                                                                                \
    {direct512_##R##_1_1, direct512_##R##_1_2, direct512_##R##_1_3, direct512_##R##_1_4},          \
        {direct512_##R##_2_1, direct512_##R##_2_2, direct512_##R##_2_3, NULL},                     \
        {direct512_##R##_3_1, direct512_##R##_3_2, NULL, NULL},                                    \
  }
static const direct_block_fn direct512[CPU_DIRECT_ROWS][CPU_DIRECT_CHANNELS][4] = {
    A512_ROW(1), A512_ROW(2), A512_ROW(3), A512_ROW(4)};
static const int direct512_vectors[CPU_DIRECT_CHANNELS] = {4, 3, 2};

TARGET_AVX512 static void direct_avx512(int64_t kc, const float *w, const int64_t *off,
                                        const float *const *src, float *const *out, int chans,
                                        int rows, int64_t len, int first, const char *pf,
                                        int64_t pf_lines) {
  const int64_t chunk = 16 * direct512_vectors[chans - 1];
  for (int64_t i0 = 0; i0 < len; i0 += chunk) {
    const int64_t n = len - i0 < chunk ? len - i0 : chunk;
    direct512[rows - 1][chans - 1][(n + 15) / 16 - 1](kc, w, off, src, out, i0, n, first, pf,
                                                      i0 == 0 ? pf_lines : 0);
  }
}

TARGET_AVX512 static void pack_avx512(int64_t kc, const float *const *src, const cpu_piece *pieces,
                                      int64_t npieces, float *b, int nr) {
  for (int64_t kk = 0; kk < kc; ++kk, b += nr) {
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

/* Masked moves; the few zeros either side (a convolution's padding) one at a time. */
TARGET_AVX512 static void pad_rows_avx512(float *dst, int64_t dst_stride, const float *src,
                                          int64_t src_stride, int64_t rows, int64_t lead,
                                          int64_t len, int64_t trail) {
  for (int64_t r = 0; r < rows; ++r, dst += dst_stride, src += src_stride) {
    for (int64_t i = 0; i < lead; ++i)
      dst[i] = 0.0f;
    float *d = dst + lead;
    for (int64_t i = 0; i < len; i += 16) {
      const __mmask16 m = lanes16(len - i);
      _mm512_mask_storeu_ps(d + i, m, _mm512_maskz_loadu_ps(m, src + i));
    }
    for (int64_t i = 0; i < trail; ++i)
      d[len + i] = 0.0f;
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

const cpu_kernels tconv_cpu_avx512 = {
    "avx512",     A512_MR,          A512_NR,       gemm_avx512,     gemm_rows_avx512, A512_WIDE_MR,
    A512_WIDE_NR, gemm_wide_avx512, direct_avx512, pad_rows_avx512, gather_avx512,    pack_avx512};

/* ---- AVX2 + FMA ---------------------------------------------------------------------- */

#define A2_MR 6
#define A2_NR 16

/* The first V of the micro-tile's 2 vectors of columns, A packed or in place (as gemm512). */
TARGET_AVX2 static inline __attribute__((always_inline)) void
gemm2(int64_t kc, const float *a, const float *const *arow, const int64_t *aoff, const float *b,
      float *c, int64_t ldc, int first, const char *pf, int64_t pf_lines, const int V) {
  __m256 acc[A2_MR][2];
  const float *r[A2_MR];
  _Pragma("GCC unroll 6") for (int i = 0; i < A2_MR; ++i) {
    r[i] = arow != NULL ? arow[i] : a + i;
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) {
      acc[i][v] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(c + i * ldc + 8 * v);
    }
  }
  for (int64_t k = 0; k < kc; ++k, b += A2_NR) {
    const int64_t o = arow != NULL ? aoff[k] : k * A2_MR;
    if (k < pf_lines)
      _mm_prefetch(pf + 64 * k, _MM_HINT_T1);
    __m256 bv[2];
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) { bv[v] = _mm256_load_ps(b + 8 * v); }
    _Pragma("GCC unroll 6") for (int i = 0; i < A2_MR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(r[i] + o);
      _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) {
        acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
      }
    }
  }
  _Pragma("GCC unroll 6") for (int i = 0; i < A2_MR; ++i) {
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) {
      _mm256_storeu_ps(c + i * ldc + 8 * v, acc[i][v]);
    }
  }
}

#define A2_GEMM(V)                                                                                 \
  TARGET_AVX2 static void gemm2_##V(int64_t kc, const float *a, const float *b, float *c,          \
                                    int64_t ldc, int first) {                                      \
    gemm2(kc, a, NULL, NULL, b, c, ldc, first, NULL, 0, V);                                        \
  }                                                                                                \
  TARGET_AVX2 static void gemm2_rows_##V(                                                          \
      int64_t kc, const float *const *arow, const int64_t *aoff, const float *b, float *c,         \
      int64_t ldc, int first, const char *pf, int64_t pf_lines) {                                  \
    gemm2(kc, NULL, arow, aoff, b, c, ldc, first, pf, pf_lines, V);                                \
  }
A2_GEMM(1)
A2_GEMM(2)

static void gemm_avx2(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int first,
                      int cols) {
  if (cols > 8)
    gemm2_2(kc, a, b, c, ldc, first);
  else
    gemm2_1(kc, a, b, c, ldc, first);
}

static void gemm_rows_avx2(int64_t kc, const float *const *arow, const int64_t *aoff,
                           const float *b, float *c, int64_t ldc, int first, int cols,
                           const char *pf, int64_t pf_lines) {
  if (cols > 8)
    gemm2_rows_2(kc, arow, aoff, b, c, ldc, first, pf, pf_lines);
  else
    gemm2_rows_1(kc, arow, aoff, b, c, ldc, first, pf, pf_lines);
}

/* Lanes [0, n) of an 8-lane vector as maskload's sign mask. */
TARGET_AVX2 static inline __m256i lanes8(int64_t n) {
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const int clamped = n >= 8 ? 8 : n <= 0 ? 0 : (int)n;
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(clamped), index);
}

#define A2_DIRECT(R, C, V)                                                                         \
  TARGET_AVX2 static void direct2_##R##_##C##_##V(                                                 \
      int64_t kc, const float *w, const int64_t *off, const float *const *src, float *const *out,  \
      int64_t i0, int64_t n, int first, const char *pf, int64_t pf_lines) {                        \
    __m256i m[V];                                                                                  \
    __m256 acc[C][R][V];                                                                           \
    _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {                                          \
      m[v] = lanes8(n - 8 * v);                                                                    \
      _Pragma("GCC unroll 2") for (int c = 0; c < C; ++c) {                                        \
        _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) {                                      \
          acc[c][r][v] =                                                                           \
              first ? _mm256_setzero_ps()                                                          \
                    : _mm256_maskload_ps(out[c * CPU_DIRECT_ROWS + r] + i0 + 8 * v, m[v]);         \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
    for (int64_t k = 0; k < kc; ++k) {                                                             \
      __m256 wk[C];                                                                                \
      _Pragma("GCC unroll 2") for (int c = 0; c < C; ++c) {                                        \
        wk[c] = _mm256_broadcast_ss(w + c * kc + k);                                               \
      }                                                                                            \
      const int64_t o = off[k] + i0;                                                               \
      if (k < pf_lines)                                                                            \
        _mm_prefetch(pf + 64 * k, _MM_HINT_T1);                                                    \
      _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) {                                        \
        _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {                                      \
          const __m256 x = _mm256_maskload_ps(src[r] + o + 8 * v, m[v]);                           \
          _Pragma("GCC unroll 2") for (int c = 0; c < C; ++c) {                                    \
            acc[c][r][v] = _mm256_fmadd_ps(wk[c], x, acc[c][r][v]);                                \
          }                                                                                        \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
    _Pragma("GCC unroll 2") for (int c = 0; c < C; ++c) {                                          \
      _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) {                                        \
        _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) {                                      \
          _mm256_maskstore_ps(out[c * CPU_DIRECT_ROWS + r] + i0 + 8 * v, m[v], acc[c][r][v]);      \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
  }

/* 16 ymm registers: one channel with up to 3 vectors (24 columns), or two with one. */
#define A2_DIRECT_R(R) A2_DIRECT(R, 1, 1) A2_DIRECT(R, 1, 2) A2_DIRECT(R, 1, 3) A2_DIRECT(R, 2, 1)
A2_DIRECT_R(1)
A2_DIRECT_R(2)
A2_DIRECT_R(3)
A2_DIRECT_R(4)

#define A2_ROW(R)                                                                                  \
  { {direct2_##R##_1_1, direct2_##R##_1_2, direct2_##R##_1_3}, {direct2_##R##_2_1, NULL, NULL}, }
static const direct_block_fn direct2[CPU_DIRECT_ROWS][2][3] = {A2_ROW(1), A2_ROW(2), A2_ROW(3),
                                                               A2_ROW(4)};

/* Channels two at a time (8 columns), a last single one up to 24 columns at a time. */
TARGET_AVX2 static void direct_avx2(int64_t kc, const float *w, const int64_t *off,
                                    const float *const *src, float *const *out, int chans, int rows,
                                    int64_t len, int first, const char *pf, int64_t pf_lines) {
  for (int c = 0; c < chans;) {
    const int pair = chans - c >= 2, chunk = pair ? 8 : 24;
    for (int64_t i0 = 0; i0 < len; i0 += chunk) {
      const int64_t n = len - i0 < chunk ? len - i0 : chunk;
      direct2[rows - 1][pair][(n + 7) / 8 - 1](kc, w + c * kc, off, src, out + c * CPU_DIRECT_ROWS,
                                               i0, n, first, pf, c == 0 && i0 == 0 ? pf_lines : 0);
    }
    c += pair ? 2 : 1;
  }
}

const cpu_kernels tconv_cpu_avx2 = {"avx2",
                                    A2_MR,
                                    A2_NR,
                                    gemm_avx2,
                                    gemm_rows_avx2,
                                    A2_MR,
                                    A2_NR,
                                    gemm_rows_avx2,
                                    direct_avx2,
                                    tconv_cpu_pad_rows_generic,
                                    tconv_cpu_gather_generic,
                                    tconv_cpu_pack_rows};

#endif /* TCONV_CPU_X86 */
