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
 * The comparison is the documented one: a mismatch when max|y - ref| exceeds
 * tolerance * max(max|ref|, 1e-30), or when a non-finite element of one is not the same
 * value in the other (NaN where the reference has a number or the other way round, or
 * differing infinities, which the norm cannot see once max|ref| is infinite). The sentence
 * names the worst element; y keeps the computed result.
 */
#include "internal.h"
#include "reference.h"
#include "../cuda/launch.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERIFY_SCALE_FLOOR 1e-30 /* max|ref| below this counts as this (all-zero outputs) */

/* Writes the armed plant into y (device memory on CUDA) and disarms it; an index outside y
 * drops the plant. */
static tconv_status apply_plant(tconv_context *ctx, const tconv_problem *pr, float *y) {
  if (!ctx->plant.armed)
    return TCONV_STATUS_OK;
  ctx->plant.armed = 0;
  const int64_t index = ctx->plant.index;
  if (index < 0 || index >= pr->y_count)
    return TCONV_STATUS_OK;
  if (ctx->backend == TCONV_BACKEND_CUDA)
    return tconv_cuda_upload(ctx, y + index, &ctx->plant.value, sizeof(float));
  y[index] = ctx->plant.value;
  return TCONV_STATUS_OK;
}

/* A host array of `count` floats, or NULL with OUT_OF_MEMORY recorded in *status. */
static float *host_array(tconv_context *ctx, const tconv_problem *pr, const char *what,
                         int64_t count, tconv_status *status) {
  float *p = NULL;
  if (count >= 0 && (uint64_t)count <= SIZE_MAX / sizeof(float))
    p = malloc(count > 0 ? (size_t)count * sizeof(float) : 1);
  if (p == NULL)
    *status = tconv_fail(ctx, TCONV_STATUS_OUT_OF_MEMORY,
                         "%s: verify: cannot allocate %lld floats of host memory for %s",
                         tconv_op_label(pr->op), (long long)count, what);
  return p;
}

/* The worst element of a comparison. */
typedef struct verify_worst {
  int64_t index;  /* -1 when nothing differs */
  int nonfinite;  /* 1: a NaN / infinity mismatch at index (reported before any norm) */
  double error;   /* max|y - ref| over the elements finite in both */
  double max_ref; /* max|ref| over the finite reference elements */
} verify_worst;

static int same_nonfinite(float a, float b) { return (isnan(a) && isnan(b)) || a == b; }

/* Compares y with ref over count elements: the first non-finite mismatch wins, else the
 * element with the largest |y - ref| (the first of equals). */
static verify_worst compare(const float *y, const float *ref, int64_t count) {
  verify_worst r = {-1, 0, 0.0, 0.0};
  int64_t worst_finite = -1;
  for (int64_t i = 0; i < count; ++i) {
    const int finite_y = isfinite(y[i]), finite_ref = isfinite(ref[i]);
    if (finite_ref && fabs((double)ref[i]) > r.max_ref)
      r.max_ref = fabs((double)ref[i]);
    if (finite_y && finite_ref) {
      const double e = fabs((double)y[i] - (double)ref[i]);
      if (worst_finite < 0 || e > r.error) {
        r.error = e;
        worst_finite = i;
      }
    } else if (!same_nonfinite(y[i], ref[i]) && !r.nonfinite) {
      r.nonfinite = 1;
      r.index = i;
    }
  }
  if (!r.nonfinite)
    r.index = worst_finite;
  return r;
}

/* "y[1234] (n 0, c 3, 7, 9)" for flat output index `index`. */
static void describe_element(const tconv_problem *pr, int64_t index, char *text, size_t size) {
  int64_t p = index % pr->out_spatial, coord[TCONV_MAX_SPATIAL];
  for (int a = TCONV_MAX_SPATIAL - 1; a >= 0; --a) {
    coord[a] = p % pr->out[a];
    p /= pr->out[a];
  }
  const int64_t c = index / pr->out_spatial % pr->cout, n = index / pr->out_spatial / pr->cout;
  int len = snprintf(text, size, "y[%lld] (n %lld, c %lld", (long long)index, (long long)n,
                     (long long)c);
  for (int a = 0; a < pr->spatial_rank && len > 0 && (size_t)len < size; ++a)
    len += snprintf(text + len, size - (size_t)len, ", %lld", (long long)coord[a]);
  if (len > 0 && (size_t)len < size)
    snprintf(text + len, size - (size_t)len, ")");
}

/* OK when y matches ref within tolerance; else VERIFY_MISMATCH naming the worst element. */
static tconv_status judge(tconv_context *ctx, const tconv_problem *pr, const float *y,
                          const float *ref) {
  const verify_worst r = compare(y, ref, pr->y_count);
  const double tol = ctx->verify_tolerance;
  const double scale = r.max_ref > VERIFY_SCALE_FLOOR ? r.max_ref : VERIFY_SCALE_FLOOR;
  if (!r.nonfinite && !(r.error > tol * scale))
    return TCONV_STATUS_OK;
  char where[128];
  describe_element(pr, r.index, where, sizeof where);
  const float yv = y[r.index], rv = ref[r.index];
  if (r.nonfinite)
    return tconv_fail(ctx, TCONV_STATUS_VERIFY_MISMATCH,
                      "%s: verify: %s is %.9g but the reference gives %.9g (%s; tolerance %g)",
                      tconv_op_label(pr->op), where, (double)yv, (double)rv,
                      isnan(yv)   ? "NaN where the reference has a number"
                      : isnan(rv) ? "a number where the reference has NaN"
                                  : "an infinity that the reference does not have",
                      tol);
  return tconv_fail(ctx, TCONV_STATUS_VERIFY_MISMATCH,
                    "%s: verify: %s is %.9g but the reference gives %.9g (max|y - ref| %.9g > "
                    "%g * max|ref| %.9g)",
                    tconv_op_label(pr->op), where, (double)yv, (double)rv, r.error, tol, r.max_ref);
}

/* A failing second formulation keeps its status; its sentence gets the verify prefix. */
static tconv_status relabel(tconv_context *ctx, const tconv_problem *pr, tconv_status status) {
  char why[TCONV_ERROR_CAPACITY];
  memcpy(why, ctx->last_error, sizeof why);
  why[sizeof why - 1] = '\0';
  return tconv_fail(ctx, status, "%s: verify: %s", tconv_op_label(pr->op), why);
}

static tconv_status verify_cpu(tconv_context *ctx, const tconv_problem *pr, const float *x,
                               const float *w, const float *bias, const float *y) {
  tconv_status status = TCONV_STATUS_OK;
  float *ref = host_array(ctx, pr, "the reference result", pr->y_count, &status);
  if (ref == NULL)
    return status;
  if (pr->op == TCONV_OP_CONV)
    tconv_ref_conv(pr, x, w, bias, ref);
  else if ((status = tconv_ref_transpose_scatter(ctx, pr, x, w, bias, ref)) != TCONV_STATUS_OK)
    status = relabel(ctx, pr, status);
  if (status == TCONV_STATUS_OK)
    status = judge(ctx, pr, y, ref);
  free(ref);
  return status;
}

/* Copies `count` floats of device memory to a new host array. */
static float *download_copy(tconv_context *ctx, const tconv_problem *pr, const char *what,
                            const float *src, int64_t count, tconv_status *status) {
  float *dst = host_array(ctx, pr, what, count, status);
  if (dst != NULL &&
      (*status = tconv_cuda_download(ctx, dst, src, (size_t)count * sizeof(float))) !=
          TCONV_STATUS_OK) {
    free(dst);
    dst = NULL;
  }
  return dst;
}

static tconv_status verify_cuda(tconv_context *ctx, const tconv_problem *pr, const float *x,
                                const float *w, const float *bias, const float *y) {
  tconv_status status = tconv_cuda_synchronize(ctx);
  if (status != TCONV_STATUS_OK)
    return status;
  float *hx = NULL, *hw = NULL, *hb = NULL, *hy = NULL, *ref = NULL;
  if ((hx = download_copy(ctx, pr, "x", x, pr->x_count, &status)) == NULL ||
      (hw = download_copy(ctx, pr, "w", w, pr->w_count, &status)) == NULL ||
      (bias != NULL && (hb = download_copy(ctx, pr, "bias", bias, pr->cout, &status)) == NULL) ||
      (hy = download_copy(ctx, pr, "y", y, pr->y_count, &status)) == NULL ||
      (ref = host_array(ctx, pr, "the reference result", pr->y_count, &status)) == NULL)
    goto cleanup;
  if (pr->op == TCONV_OP_CONV)
    tconv_ref_conv(pr, hx, hw, hb, ref);
  else
    tconv_ref_transpose_gather(pr, hx, hw, hb, ref);
  status = judge(ctx, pr, hy, ref);
cleanup:
  free(hx);
  free(hw);
  free(hb);
  free(hy);
  free(ref);
  return status;
}

tconv_status tconv_verify_forward(tconv_context *ctx, const tconv_problem *problem,
                                  const float *x, const float *w, const float *bias, float *y) {
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
