/*
 * typed.c - the run's storage (typed.h): typed seeded data, magnitudes, the comparison.
 */
#include "typed.h"

#include "common.h"
#include "elements.h"
#include "report.h"
#include "tolerance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int bench_storage_strict(const bench_storage *s) {
  return !tconv_tolerance_per_element(s->dtype, s->math);
}

void bench_storage_format(const bench_storage *s, char *out, size_t out_size) {
  snprintf(out, out_size, "%s %s %s", tconv_dtype_name(s->dtype), tconv_layout_name(s->layout),
           tconv_math_name(s->math));
}

int bench_fill_typed(void *data, int rank, const int64_t *dims, const bench_storage *s,
                     uint64_t stream) {
  int64_t spatials = 1;
  for (int i = 2; i < rank; ++i)
    spatials *= dims[i];
  const int64_t n = dims[0] * dims[1] * spatials;
  float *logical = malloc((size_t)n * sizeof *logical);
  if (logical == NULL)
    return bench_fail("out of host memory (%lld floats)", (long long)n);
  bench_random_fill(logical, n, stream);
  for (int64_t i = 0; i < n; ++i) { /* i = (outer * inners + inner) * spatials + p */
    const int64_t p = i % spatials, inner = i / spatials % dims[1], outer = i / spatials / dims[1];
    tconv_store(s->dtype, data, tconv_layout_offset(s->layout, outer, inner, dims[1], p, spatials),
                (double)logical[i]);
  }
  free(logical);
  return 0;
}

void bench_abs_to_float(const void *data, tconv_dtype dtype, int64_t n, float *out) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = (float)fabs(tconv_load(dtype, data, i));
}

int64_t bench_count_nonfinite(const void *a, tconv_dtype dtype, int64_t n) {
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i)
    count += !isfinite(tconv_load(dtype, a, i));
  return count;
}

bench_match bench_compare(const bench_storage *s, const void *a, const void *ref,
                          const float *magnitude, int64_t n) {
  const int per_element = !bench_storage_strict(s);
  bench_match m = {0.0, 0, 0};
  double diff = 0.0, scale = 0.0;
  int finite = 1;
  for (int64_t i = 0; i < n; ++i) {
    const double v = tconv_load(s->dtype, a, i), r = tconv_load(s->dtype, ref, i);
    if (!isfinite(v) || !isfinite(r)) {
      finite = 0;
      ++m.outside;
      continue;
    }
    const double d = fabs(v - r);
    diff = d > diff ? d : diff;
    scale = fabs(r) > scale ? fabs(r) : scale;
    if (per_element) {
      const double at = 2.0 * fmax(fabs(v), fabs(r));
      const double bound = 2.0 * tconv_tolerance_bound(s->dtype, s->math, TCONV_ACTIVATION_NONE,
                                                       0.0f, at, (double)magnitude[i]);
      m.outside += !tconv_tolerance_accepts(v, r, bound);
    }
  }
  m.error = !finite ? INFINITY : scale > 0.0 ? diff / scale : diff;
  m.ok = per_element ? m.outside == 0 : finite && m.error <= BENCH_TOLERANCE;
  if (!per_element)
    m.outside = 0;
  return m;
}

const char *bench_rule_text(const bench_storage *s) {
  return bench_storage_strict(s)
             ? "max |a - b| / max |b| <= 1e-4"
             : "per element |a - b| <= 2 (ulp + c S) of the dtype (the library's rule, twice)";
}
