/*
 * dispatch.c - the forward entry points and the algorithm table: validate once (validate.c),
 * check that the algorithm takes the problem on this backend, choose one for AUTO (the
 * heuristic, or the winner tconv_find_algo() cached), run it, then let verify mode look.
 */
#include "algos.h"
#include "cpu.h"
#include "internal.h"
#include "reference.h"
#include "launch.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The launchers take float * pointers (tconv_run_fn); the elements are of pr->dtype in pr's
 * layouts, which the reference and every CUDA algorithm its supports rule admits read as
 * such. */
static tconv_status run_reference(tconv_context *ctx, const tconv_problem *pr, const float *x,
                                  const float *w, const float *bias, float *y, void *workspace,
                                  size_t workspace_bytes) {
  (void)ctx, (void)workspace, (void)workspace_bytes;
  if (pr->op == TCONV_OP_CONV)
    tconv_ref_conv(pr, x, w, bias, y);
  else
    tconv_ref_transpose_gather(pr, x, w, bias, y);
  return TCONV_STATUS_OK;
}

/* The name of each algorithm is tconv_algo_name()'s, from TCONV_ALGO_LIST. */
typedef struct algo_desc {
  tconv_backend backend;                                                /* AUTO: any */
  int (*supports)(const tconv_problem *pr, char *why, size_t why_size); /* NULL: every problem */
  size_t (*workspace)(const tconv_problem *pr);                         /* NULL: none */
  tconv_run_fn run;
  tconv_status (*plan)(const tconv_problem *pr, tconv_launch_plan *plan); /* NULL: not CUDA */
} algo_desc;

static const algo_desc algos[TCONV_ALGO_COUNT] = {
    [TCONV_ALGO_AUTO] = {TCONV_BACKEND_AUTO, NULL, NULL, NULL, NULL},
    [TCONV_ALGO_DIRECT] = {TCONV_BACKEND_CUDA, tconv_direct_supports, NULL, tconv_cuda_direct,
                           tconv_direct_plan},
    [TCONV_ALGO_REFERENCE] = {TCONV_BACKEND_CPU, NULL, NULL, run_reference, NULL},
    [TCONV_ALGO_IGEMM] = {TCONV_BACKEND_CUDA, tconv_igemm_supports, NULL, tconv_cuda_igemm,
                          tconv_igemm_plan},
    [TCONV_ALGO_GEMM] = {TCONV_BACKEND_CUDA, tconv_gemm_supports, tconv_gemm_workspace,
                         tconv_cuda_gemm, tconv_gemm_plan},
    [TCONV_ALGO_DEPTHWISE] = {TCONV_BACKEND_CUDA, tconv_depthwise_supports, NULL,
                              tconv_cuda_depthwise, tconv_depthwise_plan},
    [TCONV_ALGO_CPU_IGEMM] = {TCONV_BACKEND_CPU, tconv_cpu_igemm_supports, NULL,
                              tconv_cpu_igemm_run, NULL},
    [TCONV_ALGO_CPU_DIRECT] = {TCONV_BACKEND_CPU, tconv_cpu_direct_supports, NULL,
                               tconv_cpu_direct_run, NULL},
    [TCONV_ALGO_IGEMM_TC] = {TCONV_BACKEND_CUDA, tconv_igemm_tc_supports, NULL, tconv_cuda_igemm_tc,
                             tconv_igemm_tc_plan},
};

static const char *backend_name(tconv_backend backend) {
  return tconv_backend_names.constants[backend];
}

/* Whether `algo`'s supports rule takes the problem (its backend aside); the reason in why. */
static int algo_takes(const tconv_problem *pr, tconv_algo algo, char *why, size_t why_size) {
  return algos[algo].supports == NULL || algos[algo].supports(pr, why, why_size);
}

static tconv_status check_algo_value(tconv_context *ctx, const char *label, tconv_algo algo) {
  char list[TCONV_ENUM_LIST_CAPACITY];
  if ((unsigned)algo >= (unsigned)TCONV_ALGO_COUNT)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      "%s: algo %d is not a tconv_algo value (%s)", label, (int)algo,
                      tconv_enum_list(&tconv_algo_names, 1, list, sizeof list));
  return TCONV_STATUS_OK;
}

/* OK when `algo` (a valid value, not AUTO) takes the problem on ctx's backend; else
 * UNSUPPORTED with the reason. */
static tconv_status check_algo(tconv_context *ctx, const char *label, const tconv_problem *pr,
                               tconv_algo algo) {
  const algo_desc *a = &algos[algo];
  if (a->backend != ctx->backend)
    return tconv_fail(ctx, TCONV_STATUS_UNSUPPORTED,
                      "%s: algorithm %s needs the %s backend; this context is %s", label,
                      tconv_algo_name(algo), backend_name(a->backend), backend_name(ctx->backend));
  char why[TCONV_ERROR_CAPACITY / 2];
  if (!algo_takes(pr, algo, why, sizeof why))
    return tconv_fail(ctx, TCONV_STATUS_UNSUPPORTED,
                      "%s: algorithm %s does not take this problem: %s", label,
                      tconv_algo_name(algo), why);
  return TCONV_STATUS_OK;
}

static size_t workspace_of(const tconv_problem *pr, tconv_algo algo) {
  return algos[algo].workspace != NULL ? algos[algo].workspace(pr) : 0;
}

tconv_status tconv_launch_plan_of(const tconv_problem *pr, tconv_algo algo,
                                  tconv_launch_plan *plan) {
  const char *label = "launch plan";
  if (pr == NULL || plan == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "%s: %s is NULL", label,
                      pr == NULL ? "problem" : "plan");
  tconv_status status = check_algo_value(NULL, label, algo);
  if (status != TCONV_STATUS_OK)
    return status;
  const algo_desc *a = &algos[algo];
  if (a->plan == NULL)
    return tconv_fail(NULL, TCONV_STATUS_UNSUPPORTED, "%s: algorithm %s launches no CUDA kernel",
                      label, tconv_algo_name(algo));
  char why[TCONV_ERROR_CAPACITY / 2];
  if (!algo_takes(pr, algo, why, sizeof why))
    return tconv_fail(NULL, TCONV_STATUS_UNSUPPORTED,
                      "%s: algorithm %s does not take this problem: %s", label,
                      tconv_algo_name(algo), why);
  memset(plan, 0, sizeof *plan);
  return a->plan(pr, plan);
}

/* ---- the cache of tconv_find_algo() winners ------------------------------------------- */

#define SAME_ARRAY(a, b) (memcmp((a), (b), sizeof(a)) == 0)

static int same_problem(const tconv_problem *a, const tconv_problem *b) {
  return a->op == b->op && a->spatial_rank == b->spatial_rank && a->n == b->n && a->cin == b->cin &&
         a->cout == b->cout && a->groups == b->groups && SAME_ARRAY(a->in, b->in) &&
         SAME_ARRAY(a->out, b->out) && SAME_ARRAY(a->k, b->k) && SAME_ARRAY(a->stride, b->stride) &&
         SAME_ARRAY(a->dilation, b->dilation) && SAME_ARRAY(a->pad_begin, b->pad_begin) &&
         SAME_ARRAY(a->pad_end, b->pad_end) && SAME_ARRAY(a->output_padding, b->output_padding) &&
         a->padding_mode == b->padding_mode && a->activation == b->activation &&
         memcmp(&a->activation_alpha, &b->activation_alpha, sizeof(float)) == 0 &&
         memcmp(&a->activation_beta, &b->activation_beta, sizeof(float)) == 0 &&
         a->dtype == b->dtype && a->x_layout == b->x_layout && a->w_layout == b->w_layout &&
         a->y_layout == b->y_layout && a->math == b->math;
}

static const tconv_algo_cache_entry *cache_find(const tconv_context *ctx, const tconv_problem *pr) {
  for (int i = 0; i < ctx->cache_count; ++i)
    if (same_problem(&ctx->cache[i].problem, pr))
      return &ctx->cache[i];
  return NULL;
}

static void cache_store(tconv_context *ctx, const tconv_problem *pr, tconv_algo algo,
                        size_t workspace_bytes) {
  tconv_algo_cache_entry *e = (tconv_algo_cache_entry *)cache_find(ctx, pr);
  if (e == NULL) {
    e = &ctx->cache[ctx->cache_next];
    ctx->cache_next = (ctx->cache_next + 1) % TCONV_ALGO_CACHE_CAPACITY;
    if (ctx->cache_count < TCONV_ALGO_CACHE_CAPACITY)
      ++ctx->cache_count;
  }
  e->problem = *pr;
  e->algo = algo;
  e->workspace_bytes = workspace_bytes;
}

/* The heuristic, which needs no workspace. CPU: the CPU algorithm the problem suits (cpu.h),
 * or the reference for what neither takes. CUDA: depthwise where it applies, then the
 * implicit GEMM (on tensor cores for float16, bfloat16 and TF32 math, where that kernel takes
 * the problem; else the FFMA one where it does), then direct, which takes every problem (every
 * dtype, layout and math mode: what the others refuse falls through to it). */
tconv_algo tconv_auto_algo(const tconv_problem *pr, tconv_backend backend) {
  char why[TCONV_ERROR_CAPACITY / 2];
  if (backend != TCONV_BACKEND_CUDA) {
    const tconv_algo cpu = tconv_cpu_choose(pr);
    return algo_takes(pr, cpu, why, sizeof why) ? cpu : TCONV_ALGO_REFERENCE;
  }
  if (tconv_depthwise_supports(pr, why, sizeof why))
    return TCONV_ALGO_DEPTHWISE;
  const int tensor_cores = pr->dtype != TCONV_DTYPE_FLOAT32 || pr->math == TCONV_MATH_TF32;
  if (tensor_cores && tconv_igemm_tc_supports(pr, why, sizeof why))
    return TCONV_ALGO_IGEMM_TC;
  if (tconv_igemm_supports(pr, why, sizeof why))
    return TCONV_ALGO_IGEMM;
  return TCONV_ALGO_DIRECT;
}

/* AUTO: the cached winner when the workspace allows it, else the heuristic. */
static tconv_algo choose(const tconv_context *ctx, const tconv_problem *pr,
                         size_t workspace_bytes) {
  const tconv_algo_cache_entry *e = cache_find(ctx, pr);
  if (e != NULL && e->workspace_bytes <= workspace_bytes)
    return e->algo;
  return tconv_auto_algo(pr, ctx->backend);
}

/* AUTO's choice, when it takes the problem; else UNSUPPORTED with its reason. */
static tconv_status check_auto(tconv_context *ctx, const char *label, const tconv_problem *pr,
                               tconv_algo *algo, size_t workspace_bytes) {
  *algo = choose(ctx, pr, workspace_bytes);
  char why[TCONV_ERROR_CAPACITY / 2];
  if (!algo_takes(pr, *algo, why, sizeof why))
    return tconv_fail(ctx, TCONV_STATUS_UNSUPPORTED,
                      "%s: no algorithm of the %s backend takes this problem (%s: %s)", label,
                      backend_name(ctx->backend), tconv_algo_name(*algo), why);
  return TCONV_STATUS_OK;
}

/* ---- forward -------------------------------------------------------------------------- */

typedef struct forward_args {
  tconv_problem pr;
  const float *x, *w, *bias;
  float *y;
  void *workspace;
  size_t workspace_bytes;
} forward_args;

/* Runs `algo` (it takes the problem on ctx's backend). The CUDA launchers' common opening is
 * here, the one place that calls them: nothing to launch for an empty output, else ctx's
 * device made current for this thread (launch.h). */
static tconv_status run_algo(tconv_context *ctx, tconv_algo algo, const forward_args *a) {
  if (algos[algo].backend == TCONV_BACKEND_CUDA) {
    if (a->pr.y_count <= 0)
      return TCONV_STATUS_OK;
    const tconv_status status = tconv_cuda_use_device(ctx);
    if (status != TCONV_STATUS_OK)
      return status;
  }
  return algos[algo].run(ctx, &a->pr, a->x, a->w, a->bias, a->y, a->workspace, a->workspace_bytes);
}

/* Validates a forward call and resolves its pointers. */
static tconv_status prepare(tconv_context *ctx, forward_args *a, tconv_op op,
                            const tconv_params *params, const tconv_tensor *x,
                            const tconv_tensor *w, const tconv_tensor *bias, const tconv_tensor *y,
                            tconv_buffer *workspace) {
  tconv_status status = tconv_validate_forward(ctx, &a->pr, op, params, x, w, bias, y, workspace);
  if (status != TCONV_STATUS_OK)
    return status;
  a->x = tconv_tensor_data(x);
  a->w = tconv_tensor_data(w);
  a->bias = bias != NULL ? tconv_tensor_data(bias) : NULL;
  a->y = tconv_tensor_data(y);
  a->workspace = workspace != NULL ? workspace->data : NULL;
  a->workspace_bytes = workspace != NULL ? workspace->bytes : 0;
  return TCONV_STATUS_OK;
}

static tconv_status forward(tconv_context *ctx, tconv_op op, const tconv_params *params,
                            const tconv_tensor *x, const tconv_tensor *w, const tconv_tensor *bias,
                            const tconv_tensor *y, tconv_algo algo, tconv_buffer *workspace) {
  const char *label = tconv_op_label(op);
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "%s: ctx is NULL", label);
  tconv_clear_error(ctx);
  forward_args a;
  tconv_status status = prepare(ctx, &a, op, params, x, w, bias, y, workspace);
  if (status == TCONV_STATUS_OK)
    status = check_algo_value(ctx, label, algo);
  if (status != TCONV_STATUS_OK)
    return status;
  if (algo == TCONV_ALGO_AUTO)
    status = check_auto(ctx, label, &a.pr, &algo, a.workspace_bytes);
  else
    status = check_algo(ctx, label, &a.pr, algo);
  if (status != TCONV_STATUS_OK)
    return status;
  const size_t need = workspace_of(&a.pr, algo);
  if (need > a.workspace_bytes)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      "%s: algorithm %s needs a workspace of %zu bytes; %s %zu", label,
                      tconv_algo_name(algo), need,
                      workspace == NULL ? "none was given, see tconv_workspace_size():"
                                        : "the one given has",
                      a.workspace_bytes);
  status = run_algo(ctx, algo, &a);
  if (status != TCONV_STATUS_OK)
    return status;
  return tconv_verify_forward(ctx, &a.pr, a.x, a.w, a.bias, a.y);
}

tconv_status tconv_conv_forward(tconv_context *ctx, const tconv_params *params,
                                const tconv_tensor *x, const tconv_tensor *w,
                                const tconv_tensor *bias, const tconv_tensor *y, tconv_algo algo,
                                tconv_buffer *workspace) {
  return forward(ctx, TCONV_OP_CONV, params, x, w, bias, y, algo, workspace);
}

tconv_status tconv_transpose_forward(tconv_context *ctx, const tconv_params *params,
                                     const tconv_tensor *x, const tconv_tensor *w,
                                     const tconv_tensor *bias, const tconv_tensor *y,
                                     tconv_algo algo, tconv_buffer *workspace) {
  return forward(ctx, TCONV_OP_TRANSPOSE, params, x, w, bias, y, algo, workspace);
}

/* ---- queries -------------------------------------------------------------------------- */

/* The rest of a query once the problem is resolved: the algo value, then whether it (AUTO:
 * the heuristic's choice without workspace) takes the problem. */
static tconv_status query_algo(tconv_context *ctx, const char *label, const tconv_problem *pr,
                               tconv_algo algo) {
  tconv_status status = check_algo_value(ctx, label, algo);
  if (status != TCONV_STATUS_OK)
    return status;
  return algo == TCONV_ALGO_AUTO ? check_auto(ctx, label, pr, &algo, 0)
                                 : check_algo(ctx, label, pr, algo);
}

/* The shared start of the two queries: ctx, then the problem from the tensors (y may be
 * NULL), then the algo value and whether it takes the problem. */
static tconv_status query_tensors(tconv_context *ctx, const char *label, tconv_problem *pr,
                                  tconv_op op, const tconv_params *params, const tconv_tensor *x,
                                  const tconv_tensor *w, const tconv_tensor *y, tconv_algo algo) {
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "%s: ctx is NULL", label);
  tconv_clear_error(ctx);
  if (x == NULL || w == NULL)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "%s: %s is NULL", label,
                      x == NULL ? "x" : "w");
  tconv_status status = tconv_problem_init_tensors(ctx, pr, op, params, x, w, y);
  return status != TCONV_STATUS_OK ? status : query_algo(ctx, label, pr, algo);
}

tconv_status tconv_algo_supported(tconv_context *ctx, tconv_op op, const tconv_params *params,
                                  const tconv_tensor *x, const tconv_tensor *w,
                                  const tconv_tensor *y, tconv_algo algo) {
  tconv_problem pr;
  return query_tensors(ctx, "algo supported", &pr, op, params, x, w, y, algo);
}

tconv_status tconv_workspace_size(tconv_context *ctx, tconv_op op, const tconv_params *params,
                                  const tconv_tensor *x, const tconv_tensor *w,
                                  const tconv_tensor *y, tconv_algo algo, size_t *bytes) {
  const char *label = "workspace size";
  if (ctx != NULL && bytes == NULL) {
    tconv_clear_error(ctx);
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "%s: bytes is NULL", label);
  }
  tconv_problem pr;
  tconv_status status = query_tensors(ctx, label, &pr, op, params, x, w, y, algo);
  if (status != TCONV_STATUS_OK)
    return status;
  *bytes = algo == TCONV_ALGO_AUTO ? 0 : workspace_of(&pr, algo);
  return TCONV_STATUS_OK;
}

/* ---- find ----------------------------------------------------------------------------- */

#define FIND_CUDA_RUNS 5 /* timed runs per algorithm on the GPU, after one warm-up */

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* Median of the timed runs of one algorithm (one untimed warm-up first on the GPU; a single
 * run on the CPU, where the reference is slow and there is nothing to warm). */
static tconv_status time_algo(tconv_context *ctx, const forward_args *a, tconv_algo algo,
                              double *milliseconds) {
  if (ctx->backend == TCONV_BACKEND_CPU) {
    const double start = now_ms();
    tconv_status status = run_algo(ctx, algo, a);
    *milliseconds = now_ms() - start;
    return status;
  }
  double times[FIND_CUDA_RUNS];
  tconv_status status = run_algo(ctx, algo, a);
  for (int r = 0; r < FIND_CUDA_RUNS && status == TCONV_STATUS_OK; ++r) {
    void *timer = NULL;
    if ((status = tconv_cuda_timer_begin(ctx, &timer)) != TCONV_STATUS_OK)
      break;
    tconv_status run_status = run_algo(ctx, algo, a);
    status = tconv_cuda_timer_end(ctx, timer, &times[r]);
    if (run_status != TCONV_STATUS_OK)
      status = run_status;
  }
  if (status != TCONV_STATUS_OK)
    return status;
  for (int i = 1; i < FIND_CUDA_RUNS; ++i) /* insertion sort of five */
    for (int j = i; j > 0 && times[j] < times[j - 1]; --j) {
      const double t = times[j];
      times[j] = times[j - 1];
      times[j - 1] = t;
    }
  *milliseconds = times[FIND_CUDA_RUNS / 2];
  return TCONV_STATUS_OK;
}

tconv_status tconv_find_algo(tconv_context *ctx, tconv_op op, const tconv_params *params,
                             const tconv_tensor *x, const tconv_tensor *w, const tconv_tensor *bias,
                             const tconv_tensor *y, tconv_buffer *workspace,
                             tconv_algo_perf *results, int capacity, int *count) {
  const char *label = "find algo";
  if (ctx == NULL)
    return tconv_fail(NULL, TCONV_STATUS_INVALID_ARGUMENT, "%s: ctx is NULL", label);
  tconv_clear_error(ctx);
  if (op != TCONV_OP_CONV && op != TCONV_OP_TRANSPOSE)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "%s: op %d is not a tconv_op value",
                      label, (int)op);
  if (count == NULL)
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT, "%s: count is NULL", label);
  if (capacity < 0 || (capacity > 0 && results == NULL))
    return tconv_fail(ctx, TCONV_STATUS_INVALID_ARGUMENT,
                      capacity < 0 ? "%s: capacity is negative" : "%s: results is NULL", label);
  forward_args a;
  tconv_status status = prepare(ctx, &a, op, params, x, w, bias, y, workspace);
  if (status != TCONV_STATUS_OK)
    return status;

  tconv_algo_perf rows[TCONV_ALGO_COUNT];
  int n = 0, timed = 0;
  for (int i = 0; i < TCONV_ALGO_COUNT; ++i) {
    const tconv_algo algo = (tconv_algo)i;
    if (algo == TCONV_ALGO_AUTO || algos[algo].backend != ctx->backend)
      continue;
    tconv_algo_perf row = {algo, TCONV_STATUS_OK, 0.0, 0};
    char why[TCONV_ERROR_CAPACITY / 2];
    if (!algo_takes(&a.pr, algo, why, sizeof why)) {
      row.status = TCONV_STATUS_UNSUPPORTED;
    } else if ((row.workspace_bytes = workspace_of(&a.pr, algo)) > a.workspace_bytes) {
      row.status = TCONV_STATUS_OUT_OF_MEMORY;
    } else {
      if ((status = time_algo(ctx, &a, algo, &row.milliseconds)) != TCONV_STATUS_OK)
        return status;
      /* Timed rows first, fastest first; the rest keep the table's order after them. */
      int j = n;
      for (; j > 0 &&
             (rows[j - 1].status != TCONV_STATUS_OK || rows[j - 1].milliseconds > row.milliseconds);
           --j)
        rows[j] = rows[j - 1];
      rows[j] = row;
      ++n;
      ++timed;
      continue;
    }
    rows[n++] = row;
  }
  if (timed > 0)
    cache_store(ctx, &a.pr, rows[0].algo, rows[0].workspace_bytes);
  *count = n < capacity ? n : capacity;
  for (int i = 0; i < *count; ++i)
    results[i] = rows[i];
  return TCONV_STATUS_OK;
}
