/*
 * typed.h - the storage a run measures in (--dtype, --layout, --math), applied to both
 * sides: how the seeded data is laid out and rounded, and how two outputs of that storage
 * are judged equal.
 *
 * The rule of comparison follows the library's tolerance rule for the dtype (tconv.h's
 * reference section, host/tolerance.h). float32 with STRICT math keeps the normwise rule:
 * max |a - b| / max |b| <= BENCH_TOLERANCE (report.h). float16, bfloat16 and float32 with
 * TF32 math are judged element by element: each of the two outputs lies within
 * ulp(ref) + c * S of the exact value ref (S = the sum of |x * w| over the element's terms),
 * so they may differ by twice that. ref is unknown here; ulp is taken at 2 * max(|a|, |b|),
 * one binade above both, which bounds ulp(ref) whenever ref lies within a factor of two of
 * them (it does: both are within a few ulps of it). S is computed on the device by cuDNN in
 * strict FP32 from |x| and |w| (layer.c).
 */
#ifndef TCONV_BENCH_TYPED_H
#define TCONV_BENCH_TYPED_H

#include "tconv.h"

#include <stddef.h>
#include <stdint.h>

typedef struct bench_storage {
  tconv_dtype dtype;
  tconv_layout layout;
  tconv_math math; /* tconv_params.math on tconv's side; cuDNN's math type on the other */
} bench_storage;

#define BENCH_STORAGE_DEFAULT                                                                      \
  { TCONV_DTYPE_FLOAT32, TCONV_LAYOUT_NCHW, TCONV_MATH_STRICT }

/* 1 for float32 with STRICT math: cuDNN's CUDNN_FMA_MATH, the normwise rule. 0 for the
 * tensor-core modes: cuDNN's default math, the per-element rule. */
int bench_storage_strict(const bench_storage *s);

/* "float16 nhwc strict". */
void bench_storage_format(const bench_storage *s, char *out, size_t out_size);

/* Fills a tensor of `rank` logical dims (outer, inner, spatial...) with bench_random_fill's
 * values for `stream`, taken in logical (NCHW) order so that every layout holds the same
 * tensor, rounded to the dtype (nearest even) and placed where the layout puts them. */
int bench_fill_typed(void *data, int rank, const int64_t *dims, const bench_storage *s,
                     uint64_t stream);

/* out[i] = |element i of data| as float32 (exact), in the same memory order. */
void bench_abs_to_float(const void *data, tconv_dtype dtype, int64_t n, float *out);

/* Elements of a `dtype` array that are not finite (NaN poison left, or an overflow). */
int64_t bench_count_nonfinite(const void *a, tconv_dtype dtype, int64_t n);

/* How one output compares with the reference output. */
typedef struct bench_match {
  double error;    /* max |a - ref| / max |ref|; infinity when either is not finite */
  int64_t outside; /* elements beyond the per-element bound (0 under the normwise rule) */
  int ok;          /* within the storage's rule */
} bench_match;

/* Compares n elements of a with ref, both in the storage's dtype and the same memory order;
 * magnitude (S per element, same order) is read only by the per-element rule and may be
 * NULL under the normwise one. */
bench_match bench_compare(const bench_storage *s, const void *a, const void *ref,
                          const float *magnitude, int64_t n);

/* The rule in words, for the header and the summary. */
const char *bench_rule_text(const bench_storage *s);

#endif /* TCONV_BENCH_TYPED_H */
