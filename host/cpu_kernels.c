/*
 * cpu_kernels.c - the portable kernel set (scalar fmaf, any processor and compiler) and the
 * run-time choice of the widest set the processor runs: AVX-512, else AVX2 with FMA, else
 * this one (see cpu_kernels_x86.c). Every set computes each element as the same chain of
 * single-rounding FMAs in the same order, so they give the same bits; only speed differs.
 */
#include "cpu_impl.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#define GENERIC_MR 4
#define GENERIC_NR 16
#define GENERIC_CHUNK 64 /* direct: columns accumulated at once */

static void gemm_generic(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                         int first, int cols) {
  float acc[GENERIC_MR][GENERIC_NR];
  for (int i = 0; i < GENERIC_MR; ++i)
    for (int j = 0; j < cols; ++j)
      acc[i][j] = first ? 0.0f : c[i * ldc + j];
  for (int64_t k = 0; k < kc; ++k, a += GENERIC_MR, b += GENERIC_NR)
    for (int i = 0; i < GENERIC_MR; ++i)
      for (int j = 0; j < cols; ++j)
        acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
  for (int i = 0; i < GENERIC_MR; ++i)
    for (int j = 0; j < cols; ++j)
      c[i * ldc + j] = acc[i][j];
}

static void gemm_rows_generic(int64_t kc, const float *const *arow, const int64_t *aoff,
                              const float *b, float *c, int64_t ldc, int first, int cols,
                              const char *pf, int64_t pf_lines) {
  for (int64_t k = 0; k < pf_lines; ++k)
    __builtin_prefetch(pf + 64 * k, 0, 2);
  float acc[GENERIC_MR][GENERIC_NR];
  for (int i = 0; i < GENERIC_MR; ++i)
    for (int j = 0; j < cols; ++j)
      acc[i][j] = first ? 0.0f : c[i * ldc + j];
  for (int64_t k = 0; k < kc; ++k, b += GENERIC_NR)
    for (int i = 0; i < GENERIC_MR; ++i)
      for (int j = 0; j < cols; ++j)
        acc[i][j] = fmaf(arow[i][aoff[k]], b[j], acc[i][j]);
  for (int i = 0; i < GENERIC_MR; ++i)
    for (int j = 0; j < cols; ++j)
      c[i * ldc + j] = acc[i][j];
}

static void direct_generic(int64_t kc, const float *w, const int64_t *off, const float *const *src,
                           float *const *out, int chans, int rows, int64_t len, int first,
                           const char *pf, int64_t pf_lines) {
  for (int64_t k = 0; k < pf_lines; ++k)
    __builtin_prefetch(pf + 64 * k, 0, 2);
  float acc[GENERIC_CHUNK];
  for (int c = 0; c < chans; ++c, w += kc, out += CPU_DIRECT_ROWS)
    for (int r = 0; r < rows; ++r)
      for (int64_t i0 = 0; i0 < len; i0 += GENERIC_CHUNK) {
        const int64_t n = len - i0 < GENERIC_CHUNK ? len - i0 : GENERIC_CHUNK;
        for (int64_t i = 0; i < n; ++i)
          acc[i] = first ? 0.0f : out[r][i0 + i];
        for (int64_t k = 0; k < kc; ++k) {
          const float *s = src[r] + off[k] + i0;
          for (int64_t i = 0; i < n; ++i)
            acc[i] = fmaf(w[k], s[i], acc[i]);
        }
        memcpy(out[r] + i0, acc, (size_t)n * sizeof(float));
      }
}

void tconv_cpu_pad_rows_generic(float *dst, int64_t dst_stride, const float *src,
                                int64_t src_stride, int64_t rows, int64_t lead, int64_t len,
                                int64_t trail) {
  for (int64_t r = 0; r < rows; ++r, dst += dst_stride, src += src_stride) {
    memset(dst, 0, (size_t)lead * sizeof(float));
    memcpy(dst + lead, src, (size_t)len * sizeof(float));
    memset(dst + lead + len, 0, (size_t)trail * sizeof(float));
  }
}

void tconv_cpu_gather_generic(float *dst, const float *src, int64_t n, int64_t step) {
  if (step == 1) {
    memcpy(dst, src, (size_t)n * sizeof(float));
    return;
  }
  for (int64_t i = 0; i < n; ++i)
    dst[i] = src[i * step];
}

void tconv_cpu_pack_rows(int64_t kc, const float *const *src, const cpu_piece *pieces,
                         int64_t npieces, float *b, int nr) {
  for (int64_t kk = 0; kk < kc; ++kk, b += nr)
    for (int64_t p = 0; p < npieces; ++p)
      memcpy(b + pieces[p].dst, src[kk] + pieces[p].src, (size_t)pieces[p].len * sizeof(float));
}

const cpu_kernels tconv_cpu_generic = {"generic",
                                       GENERIC_MR,
                                       GENERIC_NR,
                                       gemm_generic,
                                       gemm_rows_generic,
                                       GENERIC_MR,
                                       GENERIC_NR,
                                       gemm_rows_generic,
                                       direct_generic,
                                       tconv_cpu_pad_rows_generic,
                                       tconv_cpu_gather_generic,
                                       tconv_cpu_pack_rows};

static _Atomic(const cpu_kernels *) forced = NULL; /* test hook */

/* The widest set the processor supports. __builtin_cpu_supports also checks that the
 * operating system saves the vector registers (XCR0), and valgrind, which does not emulate
 * AVX-512, reports it absent. */
static const cpu_kernels *widest(void) {
#ifdef TCONV_CPU_X86
  if (__builtin_cpu_supports("avx512f"))
    return &tconv_cpu_avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return &tconv_cpu_avx2;
#endif
  return &tconv_cpu_generic;
}

const cpu_kernels *tconv_cpu_kernels(void) {
  const cpu_kernels *k = atomic_load(&forced);
  return k != NULL ? k : widest();
}

int tconv_test_cpu_isa(const char *name) {
  if (name == NULL) {
    atomic_store(&forced, NULL);
    return 0;
  }
  const cpu_kernels *sets[] = {
#ifdef TCONV_CPU_X86
      &tconv_cpu_avx512, &tconv_cpu_avx2,
#endif
      &tconv_cpu_generic};
  const cpu_kernels *best = widest();
  int reachable = 0; /* sets at or below the widest one are runnable */
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; ++i) {
    reachable |= sets[i] == best;
    if (reachable && strcmp(sets[i]->name, name) == 0) {
      atomic_store(&forced, sets[i]);
      return 0;
    }
  }
  return -1;
}
