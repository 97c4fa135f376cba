/*
 * verify.c - verify mode and the test plant (see internal.h and tconv_context_set_verify).
 *
 * After a forward computation, the result y is recomputed on the host and compared:
 *   CUDA backend  x, w, bias and y are copied to the host, the CPU reference recomputes y
 *                 (gather for the transposed convolution, the conv loop nest for conv);
 *   CPU backend   y came from a CPU algorithm (cpu_igemm, cpu_direct) or from the reference
 *                 itself; the scatter formulation checks the transposed convolution (it
 *                 shares no index code with the gather), the loop nest the convolution (for
 *                 the REFERENCE algorithm a second run, which catches at least a result
 *                 written over or left unwritten afterwards).
 * The comparison is the documented one. float32 under STRICT math: a mismatch when
 * max|y - ref| exceeds tolerance * max(max|ref|, 1e-30), or when a non-finite element of one
 * is not the same value in the other (NaN where the reference has a number or the other way
 * round, or differing infinities, which the norm cannot see once max|ref| is infinite).
 * float16, bfloat16 and TF32: every element against its own bound (host/tolerance.c, with
 * S from the reference's magnitude pass), the worst being the largest |y - ref| / bound.
 * The sentence names the worst element (its coordinates decoded through y's layout); y
 * keeps the computed result. Tensors of any dtype are read through host/elements.h.
 */
#include "internal.h"
#include "elements.h"
#include "reference.h"
#include "tolerance.h"
#include "launch.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERIFY_SCALE_FLOOR 1e-30 /* max|ref| below this counts as this (all-zero outputs) */

/* Writes the armed plant (rounded to y's dtype) into y (device memory on CUDA) and disarms
 * it; an index outside y drops the plant. */
static tconv_status apply_plant(tconv_context *ctx, const tconv_problem *pr, void *y) {
  if (!ctx->plant.armed)
    return TCONV_STATUS_OK;
  ctx->plant.armed = 0;
  const int64_t index = ctx->plant.index;
  if (index < 0 || index >= pr->y_count)
    return TCONV_STATUS_OK;
  const size_t esize = tconv_element_size(pr->dtype);
  float wide = ctx->plant.value;
  const uint16_t narrow =
      pr->dtype == TCONV_DTYPE_FLOAT16 ? tconv_f32_to_f16(wide) : tconv_f32_to_bf16(wide);
  const void *element = esize == 2 ? (const void *)&narrow : (const void *)&wide;
  char *at = (char *)y + (size_t)index * esize;
  if (ctx->backend == TCONV_BACKEND_CUDA)
    return tconv_cuda_upload(ctx, at, element, esize);
  memcpy(at, element, esize);
  return TCONV_STATUS_OK;
}

/* A host array of `count` elements of `size` bytes, or NULL with OUT_OF_MEMORY recorded. */
static void *host_array(tconv_context *ctx, const tconv_problem *pr, const char *what,
                        int64_t count, size_t size, tconv_status *status) {
  void *p = NULL;
  if (count >= 0 && (uint64_t)count <= SIZE_MAX / size)
    p = malloc(count > 0 ? (size_t)count * size : 1);
  if (p == NULL)
    *status = tconv_fail(ctx, TCONV_STATUS_OUT_OF_MEMORY,
                         "%s: verify: cannot allocate %lld elements of host memory for %s",
                         tconv_op_label(pr->op), (long long)count, what);
  return p;
}

/* The worst element of a comparison. */
typedef struct verify_worst {
  int64_t index;  /* -1 when nothing differs */
  int nonfinite;  /* 1: a NaN / infinity mismatch at index (reported before any norm) */
  double error;   /* normwise: max|y - ref| over the elements finite in both;
                     per element: the worst |y - ref| / bound */
  double max_ref; /* max|ref| over the finite reference elements */
} verify_worst;

static int same_nonfinite(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

/* Compares y with ref: the first non-finite mismatch wins; else, normwise, the element with
 * the largest |y - ref| (the first of equals), or, with bounds (per element), the one with
 * the largest |y - ref| / bound among those over their bound. */
static verify_worst compare(const tconv_problem *pr, const void *y, const void *ref,
                            const double *bound) {
  verify_worst r = {-1, 0, 0.0, 0.0};
  int64_t worst_finite = -1;
  for (int64_t i = 0; i < pr->y_count; ++i) {
    const double yv = tconv_load(pr->dtype, y, i), rv = tconv_load(pr->dtype, ref, i);
    const int finite_y = isfinite(yv), finite_ref = isfinite(rv);
    if (finite_ref && fabs(rv) > r.max_ref)
      r.max_ref = fabs(rv);
    if (finite_y && finite_ref) {
      double e = fabs(yv - rv);
      if (bound != NULL)
        e = tconv_tolerance_accepts(yv, rv, bound[i]) ? 0.0 : e / bound[i];
      if (worst_finite < 0 || e > r.error) {
        r.error = e;
        worst_finite = i;
      }
    } else if (!same_nonfinite(yv, rv) && !r.nonfinite) {
      r.nonfinite = 1;
      r.index = i;
    }
  }
  if (!r.nonfinite)
    r.index = worst_finite;
  return r;
}

/* "y[1234] (n 0, c 3, 7, 9)" for memory index `index` of y (decoded through its layout). */
static void describe_element(const tconv_problem *pr, int64_t index, char *text, size_t size) {
  int64_t n, c, p, coord[TCONV_MAX_SPATIAL];
  tconv_layout_index(pr->y_layout, index, pr->cout, pr->out_spatial, &n, &c, &p);
  for (int a = TCONV_MAX_SPATIAL - 1; a >= 0; --a) {
    coord[a] = p % pr->out[a];
    p /= pr->out[a];
  }
  int len =
      snprintf(text, size, "y[%lld] (n %lld, c %lld", (long long)index, (long long)n, (long long)c);
  for (int a = 0; a < pr->spatial_rank && len > 0 && (size_t)len < size; ++a)
    len += snprintf(text + len, size - (size_t)len, ", %lld", (long long)coord[a]);
  if (len > 0 && (size_t)len < size)
    snprintf(text + len, size - (size_t)len, ")");
}

/* The per-element bounds of every output: S from the magnitude pass, then the rule. */
static double *element_bounds(tconv_context *ctx, const tconv_problem *pr, const void *x,
                              const void *w, const void *bias, const void *ref,
                              tconv_status *status) {
  double *bound = host_array(ctx, pr, "the tolerances", pr->y_count, sizeof(double), status);
  if (bound == NULL)
    return NULL;
  tconv_ref_magnitude(pr, x, w, bias, bound);
  for (int64_t i = 0; i < pr->y_count; ++i)
    bound[i] = tconv_tolerance_bound(pr->dtype, pr->math, pr->activation, pr->activation_alpha,
                                     tconv_load(pr->dtype, ref, i), bound[i]);
  return bound;
}

/* OK when y matches ref within the tolerance (host arrays; x, w and bias for the
 * per-element bounds); else VERIFY_MISMATCH naming the worst element. */
static tconv_status judge(tconv_context *ctx, const tconv_problem *pr, const void *x, const void *w,
                          const void *bias, const void *y, const void *ref) {
  tconv_status status = TCONV_STATUS_OK;
  double *bound = NULL;
  if (tconv_tolerance_per_element(pr->dtype, pr->math) &&
      (bound = element_bounds(ctx, pr, x, w, bias, ref, &status)) == NULL)
    return status;
  const verify_worst r = compare(pr, y, ref, bound);
  const double tol = ctx->verify_tolerance;
  const double scale = r.max_ref > VERIFY_SCALE_FLOOR ? r.max_ref : VERIFY_SCALE_FLOOR;
  const int bad = r.nonfinite || (bound != NULL ? r.error > 0.0 : r.error > tol * scale);
  const double element_bound = bound != NULL && r.index >= 0 ? bound[r.index] : 0.0;
  free(bound);
  if (!bad)
    return TCONV_STATUS_OK;
  char where[128];
  describe_element(pr, r.index, where, sizeof where);
  const double yv = tconv_load(pr->dtype, y, r.index), rv = tconv_load(pr->dtype, ref, r.index);
  const char *label = tconv_op_label(pr->op);
  if (r.nonfinite)
    return tconv_fail(ctx, TCONV_STATUS_VERIFY_MISMATCH,
                      "%s: verify: %s is %.9g but the reference gives %.9g (%s; tolerance %g)",
                      label, where, yv, rv,
                      isnan(yv)   ? "NaN where the reference has a number"
                      : isnan(rv) ? "a number where the reference has NaN"
                                  : "an infinity that the reference does not have",
                      tol);
  if (bound != NULL)
    return tconv_fail(ctx, TCONV_STATUS_VERIFY_MISMATCH,
                      "%s: verify: %s is %.9g but the reference gives %.9g (|y - ref| %.9g > "
                      "%.9g, the %s %s tolerance of this element: one ulp + c * sum|x w|)",
                      label, where, yv, rv, fabs(yv - rv), element_bound,
                      tconv_dtype_name(pr->dtype), tconv_math_name(pr->math));
  return tconv_fail(ctx, TCONV_STATUS_VERIFY_MISMATCH,
                    "%s: verify: %s is %.9g but the reference gives %.9g (max|y - ref| %.9g > "
                    "%g * max|ref| %.9g)",
                    label, where, yv, rv, r.error, tol, r.max_ref);
}

/* A failing second formulation keeps its status; its sentence gets the verify prefix. */
static tconv_status relabel(tconv_context *ctx, const tconv_problem *pr, tconv_status status) {
  char why[TCONV_ERROR_CAPACITY];
  memcpy(why, ctx->last_error, sizeof why);
  why[sizeof why - 1] = '\0';
  return tconv_fail(ctx, status, "%s: verify: %s", tconv_op_label(pr->op), why);
}

static tconv_status verify_cpu(tconv_context *ctx, const tconv_problem *pr, const void *x,
                               const void *w, const void *bias, const void *y) {
  tconv_status status = TCONV_STATUS_OK;
  void *ref = host_array(ctx, pr, "the reference result", pr->y_count,
                         tconv_element_size(pr->dtype), &status);
  if (ref == NULL)
    return status;
  if (pr->op == TCONV_OP_CONV)
    tconv_ref_conv(pr, x, w, bias, ref);
  else if ((status = tconv_ref_transpose_scatter(ctx, pr, x, w, bias, ref)) != TCONV_STATUS_OK)
    status = relabel(ctx, pr, status);
  if (status == TCONV_STATUS_OK)
    status = judge(ctx, pr, x, w, bias, y, ref);
  free(ref);
  return status;
}

/* Copies `count` elements of device memory to a new host array. */
static void *download_copy(tconv_context *ctx, const tconv_problem *pr, const char *what,
                           const void *src, int64_t count, tconv_status *status) {
  const size_t esize = tconv_element_size(pr->dtype);
  void *dst = host_array(ctx, pr, what, count, esize, status);
  if (dst != NULL &&
      (*status = tconv_cuda_download(ctx, dst, src, (size_t)count * esize)) != TCONV_STATUS_OK) {
    free(dst);
    dst = NULL;
  }
  return dst;
}

static tconv_status verify_cuda(tconv_context *ctx, const tconv_problem *pr, const void *x,
                                const void *w, const void *bias, const void *y) {
  tconv_status status = tconv_cuda_synchronize(ctx);
  if (status != TCONV_STATUS_OK)
    return status;
  void *hx = NULL, *hw = NULL, *hb = NULL, *hy = NULL, *ref = NULL;
  if ((hx = download_copy(ctx, pr, "x", x, pr->x_count, &status)) == NULL ||
      (hw = download_copy(ctx, pr, "w", w, pr->w_count, &status)) == NULL ||
      (bias != NULL && (hb = download_copy(ctx, pr, "bias", bias, pr->cout, &status)) == NULL) ||
      (hy = download_copy(ctx, pr, "y", y, pr->y_count, &status)) == NULL ||
      (ref = host_array(ctx, pr, "the reference result", pr->y_count, tconv_element_size(pr->dtype),
                        &status)) == NULL)
    goto cleanup;
  if (pr->op == TCONV_OP_CONV)
    tconv_ref_conv(pr, hx, hw, hb, ref);
  else
    tconv_ref_transpose_gather(pr, hx, hw, hb, ref);
  status = judge(ctx, pr, hx, hw, hb, hy, ref);
cleanup:
  free(hx);
  free(hw);
  free(hb);
  free(hy);
  free(ref);
  return status;
}

tconv_status tconv_verify_forward(tconv_context *ctx, const tconv_problem *problem, const void *x,
                                  const void *w, const void *bias, void *y) {
  tconv_status status = apply_plant(ctx, problem, y);
  if (status != TCONV_STATUS_OK || !ctx->verify)
    return status;
  return ctx->backend == TCONV_BACKEND_CUDA ? verify_cuda(ctx, problem, x, w, bias, y)
                                            : verify_cpu(ctx, problem, x, w, bias, y);
}

void tconv_test_plant(tconv_context *ctx, int64_t index, float value) {
  ctx->plant.armed = 1;
  ctx->plant.index = index;
  ctx->plant.value = value;
}
