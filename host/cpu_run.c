/*
 * cpu_run.c - the CPU algorithms' entry points (the dispatch table's rows): what they take,
 * AUTO's choice between them, the shared driver (plan, core, and for the circular transposed
 * convolution the fold of the uncropped result), and the epilogue that adds the bias and
 * applies the activation.
 *
 * Circular transposed convolution: the core computes the uncropped zero-padding result
 * (pads and output_padding 0, output (i-1)*s + ke per dimension, no bias) into scratch, and
 * every uncropped position q is added to output (q - pb) mod o, in increasing q, then the bias
 * and activation follow: the reference's scatter, in float.
 */
#include "algos.h"
#include "cpu_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The CPU algorithms refuse a circular transposed convolution whose uncropped output, or a
 * padded copy of the input, is both more than this factor times the tensors and more than
 * this many elements. */
#define CIRCULAR_FULL_RATIO 16
#define CIRCULAR_FULL_FLOOR ((int64_t)1 << 20)
/* cpu_direct below this many output channels per group: igemm's micro-tile rows would go
 * mostly unused. */
#define DIRECT_MAX_COUT_G 4
#define CPU_MAX_TAPS 65536 /* kernel extent per dimension the CPU algorithms plan */
/* Sizes, strides, dilations and paddings the CPU algorithms plan: sums and products of a few
 * of them (with a tap index) then stay far inside 64 bits. A tensor dimension this long is
 * 4 TiB of float32. */
#define CPU_MAX_EXTENT ((int64_t)1 << 40)

/* The uncropped spatial size of a circular transposed problem, or -1 on overflow. */
static int64_t full_extent(const tconv_problem *p, int a) {
  int64_t e;
  if (tconv_mul_i64(p->in[a] - 1, p->stride[a], &e) ||
      tconv_add_i64(e, p->dilation[a] * (p->k[a] - 1) + 1, &e))
    return -1;
  return e;
}

/* The parameter of dimension a beyond CPU_MAX_EXTENT, or NULL. */
static const char *unbounded(const tconv_problem *p, int a) {
  const struct {
    const char *name;
    int64_t value;
  } v[] = {{"input size", p->in[a]},
           {"output size", p->out[a]},
           {"stride", p->stride[a]},
           {"dilation", p->dilation[a]},
           {"begin padding", p->pad_begin[a]},
           {"end padding", p->pad_end[a]},
           {"output_padding", p->output_padding[a]}};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; ++i)
    if (v[i].value > CPU_MAX_EXTENT)
      return v[i].name;
  return NULL;
}

static int circular_transposed(const tconv_problem *p) {
  return p->op == TCONV_OP_TRANSPOSE && p->padding_mode == TCONV_PADDING_CIRCULAR;
}

/* The uncropped problem of a circular transposed convolution; 0, or -1 on overflow. */
static int uncropped(const tconv_problem *p, tconv_problem *full) {
  *full = *p;
  full->padding_mode = TCONV_PADDING_ZEROS;
  full->activation = TCONV_ACTIVATION_NONE;
  full->out_spatial = 1;
  for (int a = 0; a < CPU_DIMS; ++a) {
    full->pad_begin[a] = full->pad_end[a] = full->output_padding[a] = 0;
    if ((full->out[a] = full_extent(p, a)) < 0 ||
        tconv_mul_i64(full->out_spatial, full->out[a], &full->out_spatial))
      return -1;
  }
  return tconv_mul_i64(p->n * p->cout, full->out_spatial, &full->y_count) ? -1 : 0;
}

/* The rules of both algorithms: float32 channels-first tensors under STRICT math, every
 * parameter; what is refused besides is memory that would be out of proportion to the
 * tensors. */
static int cpu_supports(const tconv_problem *p, char *why, size_t why_size) {
  if (!tconv_fp32_nchw_only(p, why, why_size))
    return 0;
  /* Planning visits every tap of each dimension; a kernel this long is the reference's. */
  for (int a = 0; a < CPU_DIMS; ++a)
    if (p->k[a] > CPU_MAX_TAPS) {
      snprintf(why, why_size,
               "a kernel of %lld taps along one dimension is more than the CPU algorithms' %d; "
               "use reference",
               (long long)p->k[a], CPU_MAX_TAPS);
      return 0;
    }
  for (int a = 0; a < CPU_DIMS; ++a) {
    const char *name = unbounded(p, a);
    if (name != NULL) {
      snprintf(why, why_size,
               "a %s of more than 2^40 along spatial dimension %d is beyond the CPU algorithms; "
               "use reference",
               name, a);
      return 0;
    }
  }
  tconv_problem full;
  const tconv_problem *planned = p;
  if (circular_transposed(p)) {
    if (uncropped(p, &full) != 0 ||
        (full.y_count / CIRCULAR_FULL_RATIO > p->y_count && full.y_count > CIRCULAR_FULL_FLOOR)) {
      snprintf(why, why_size,
               "the uncropped output of this circular transposed convolution is more than %d "
               "times y; use reference",
               CIRCULAR_FULL_RATIO);
      return 0;
    }
    planned = &full;
  }
  const int64_t prepared = tconv_cpu_prepared_count(planned);
  if (prepared < 0) {
    snprintf(why, why_size, "the padded copy of the input does not fit in 64 bits; use reference");
    return 0;
  }
  /* Padding far larger than the tensors (allowed, and the reference's to compute). */
  if (prepared / CIRCULAR_FULL_RATIO > p->x_count + p->y_count && prepared > CIRCULAR_FULL_FLOOR) {
    snprintf(why, why_size,
             "the padded copy of the input (%lld elements) is more than %d times x and y; use "
             "reference",
             (long long)prepared, CIRCULAR_FULL_RATIO);
    return 0;
  }
  return 1;
}

int tconv_cpu_igemm_supports(const tconv_problem *p, char *why, size_t why_size) {
  return cpu_supports(p, why, why_size);
}

int tconv_cpu_direct_supports(const tconv_problem *p, char *why, size_t why_size) {
  return cpu_supports(p, why, why_size);
}

tconv_algo tconv_cpu_choose(const tconv_problem *p) {
  return p->cout / p->groups < DIRECT_MAX_COUT_G ? TCONV_ALGO_CPU_DIRECT : TCONV_ALGO_CPU_IGEMM;
}

/* ---- epilogue --------------------------------------------------------------------------- */

void tconv_cpu_store(const tconv_problem *pr, float *y, int64_t step, const float *acc, int64_t len,
                     float bias) {
  const float alpha = pr->activation_alpha, beta = pr->activation_beta;
  switch (pr->activation) {
  case TCONV_ACTIVATION_NONE:
    for (int64_t i = 0; i < len; ++i)
      y[i * step] = acc[i] + bias;
    return;
  case TCONV_ACTIVATION_RELU:
    for (int64_t i = 0; i < len; ++i) {
      const float v = acc[i] + bias;
      y[i * step] = v > 0.0f ? v : 0.0f;
    }
    return;
  case TCONV_ACTIVATION_LEAKY_RELU:
    for (int64_t i = 0; i < len; ++i) {
      const float v = acc[i] + bias;
      y[i * step] = v >= 0.0f ? v : alpha * v;
    }
    return;
  /* The transcendental ones in double, as the reference: an exact sum (small integers)
   * then gives the reference's bits. */
  case TCONV_ACTIVATION_SIGMOID:
    for (int64_t i = 0; i < len; ++i)
      y[i * step] = (float)(1.0 / (1.0 + exp(-(double)(acc[i] + bias))));
    return;
  case TCONV_ACTIVATION_TANH:
    for (int64_t i = 0; i < len; ++i)
      y[i * step] = (float)tanh((double)(acc[i] + bias));
    return;
  case TCONV_ACTIVATION_CLAMP:
    for (int64_t i = 0; i < len; ++i)
      y[i * step] = fminf(fmaxf(acc[i] + bias, alpha), beta);
    return;
  }
}

tconv_status tconv_cpu_out_of_memory(tconv_context *ctx, const cpu_plan *plan, const char *what) {
  return tconv_fail(ctx, TCONV_STATUS_OUT_OF_MEMORY, "%s: %s: cannot allocate %s",
                    tconv_op_label(plan->pr->op), plan->algo, what);
}

/* ---- the circular fold ------------------------------------------------------------------ */

typedef struct fold_job {
  const tconv_problem *pr, *full;
  const float *uncropped, *bias;
  float *y;
} fold_job;

/* One (n, co) plane: zero it, add every uncropped position where it wraps to, then the bias
 * and activation in place. */
static void fold_plane(void *shared, int worker, int64_t task) {
  (void)worker;
  const fold_job *j = shared;
  const tconv_problem *pr = j->pr, *full = j->full;
  float *y = j->y + task * pr->out_spatial;
  const float *f = j->uncropped + task * full->out_spatial;
  memset(y, 0, (size_t)pr->out_spatial * sizeof *y);
  int64_t o[CPU_DIMS];
  for (int64_t q0 = 0; q0 < full->out[0]; ++q0) {
    o[0] = ((q0 - pr->pad_begin[0]) % pr->out[0] + pr->out[0]) % pr->out[0];
    for (int64_t q1 = 0; q1 < full->out[1]; ++q1) {
      o[1] = ((q1 - pr->pad_begin[1]) % pr->out[1] + pr->out[1]) % pr->out[1];
      float *row = y + (o[0] * pr->out[1] + o[1]) * pr->out[2];
      o[2] = ((0 - pr->pad_begin[2]) % pr->out[2] + pr->out[2]) % pr->out[2];
      for (int64_t q2 = 0; q2 < full->out[2]; ++q2, ++f) {
        row[o[2]] += *f;
        o[2] = o[2] + 1 == pr->out[2] ? 0 : o[2] + 1;
      }
    }
  }
  const int64_t co = task % pr->cout;
  tconv_cpu_store(pr, y, 1, y, pr->out_spatial, j->bias != NULL ? j->bias[co] : 0.0f);
}

/* ---- the driver ------------------------------------------------------------------------- */

static tconv_status run_plan(tconv_context *ctx, const char *algo, const tconv_problem *pr,
                             const float *x, const float *w, const float *bias, float *y,
                             cpu_core_fn core, int copy, int64_t row_align) {
  cpu_plan plan;
  tconv_status status = tconv_cpu_plan_build(ctx, &plan, pr, x, copy, row_align);
  if (status != TCONV_STATUS_OK) {
    const cpu_plan named = {.algo = algo, .pr = pr};
    return tconv_cpu_out_of_memory(ctx, &named, "the plan and the padded copy of the input");
  }
  plan.algo = algo;
  status = core(ctx, &plan, w, bias, y);
  tconv_cpu_plan_free(&plan);
  return status;
}

/* The problem with its spatial dimensions moved to the end (a rank-2 problem's H, W, 1
 * becomes 1, H, W): the plan walks rows along the last dimension, which must be the longest
 * real one. Sizes of 1 do not change any C-order offset, so x, w and y are read as they are. */
static tconv_problem right_aligned(const tconv_problem *p) {
  tconv_problem r = *p;
  const int shift = CPU_DIMS - p->spatial_rank;
  for (int a = CPU_DIMS - 1; a >= 0; --a) {
    const int from = a - shift;
    const int real = from >= 0;
    r.in[a] = real ? p->in[from] : 1;
    r.out[a] = real ? p->out[from] : 1;
    r.k[a] = real ? p->k[from] : 1;
    r.stride[a] = real ? p->stride[from] : 1;
    r.dilation[a] = real ? p->dilation[from] : 1;
    r.pad_begin[a] = real ? p->pad_begin[from] : 0;
    r.pad_end[a] = real ? p->pad_end[from] : 0;
    r.output_padding[a] = real ? p->output_padding[from] : 0;
  }
  return r;
}

tconv_status tconv_cpu_run(tconv_context *ctx, const char *algo, const tconv_problem *problem,
                           const float *x, const float *w, const float *bias, float *y,
                           cpu_core_fn core, int copy, int64_t row_align) {
  tconv_cpu_reset_workers();
  const tconv_problem aligned = right_aligned(problem);
  const tconv_problem *pr = &aligned;
  if (!circular_transposed(pr))
    return run_plan(ctx, algo, pr, x, w, bias, y, core, copy, row_align);
  tconv_problem full;
  if (uncropped(pr, &full) != 0) /* supports() refused it already */
    return tconv_fail(ctx, TCONV_STATUS_INTERNAL, "%s: %s: the uncropped output overflows",
                      tconv_op_label(pr->op), algo);
  float *scratch = tconv_cpu_alloc(ctx, full.y_count, sizeof(float));
  if (scratch == NULL) {
    const cpu_plan named = {.algo = algo, .pr = pr};
    return tconv_cpu_out_of_memory(ctx, &named, "the uncropped output");
  }
  tconv_status status = run_plan(ctx, algo, &full, x, w, NULL, scratch, core, copy, row_align);
  if (status == TCONV_STATUS_OK) {
    fold_job job = {pr, &full, scratch, bias, y};
    const int64_t planes = pr->n * pr->cout;
    tconv_cpu_parallel(ctx, tconv_cpu_workers(ctx, planes, (double)full.y_count), planes,
                       fold_plane, &job);
  }
  tconv_cpu_free(ctx, scratch);
  return status;
}

tconv_status tconv_cpu_igemm_run(tconv_context *ctx, const tconv_problem *pr, const float *x,
                                 const float *w, const float *bias, float *y, void *workspace,
                                 size_t workspace_bytes) {
  (void)workspace, (void)workspace_bytes;
  return tconv_cpu_run(ctx, "cpu_igemm", pr, x, w, bias, y, tconv_cpu_igemm_core, 1, 1);
}

tconv_status tconv_cpu_direct_run(tconv_context *ctx, const tconv_problem *pr, const float *x,
                                  const float *w, const float *bias, float *y, void *workspace,
                                  size_t workspace_bytes) {
  (void)workspace, (void)workspace_bytes;
  /* Rows a cache line apart: the direct kernel's 16-float loads at a row's start do not
   * straddle two lines. */
  return tconv_cpu_run(ctx, "cpu_direct", pr, x, w, bias, y, tconv_cpu_direct_core, 0, 16);
}
