/*
 * typed.c - the dtype x layout x math sweep harness (see typed.h).
 */
#include "typed.h"

#include "float16.cuh"
#include "problem.h"
#include "tolerance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GAP_ELEMENTS 3    /* before x, w and bias in the input buffer: odd offsets */
#define GUARD_ELEMENTS 37 /* before and after y */
#define ALIGNED_GUARD 64  /* bytes before y (and after it) when the tensors are aligned */

const typed_combo typed_combos[TYPED_COMBO_COUNT] = {
#define LAYOUTS(d, m)                                                                              \
  {d, TCONV_LAYOUT_NCHW, TCONV_LAYOUT_NCHW, TCONV_LAYOUT_NCHW, m},                                 \
      {d, TCONV_LAYOUT_NHWC, TCONV_LAYOUT_NHWC, TCONV_LAYOUT_NHWC, m},                             \
      {d, TCONV_LAYOUT_NHWC, TCONV_LAYOUT_NCHW, TCONV_LAYOUT_NHWC, m}, {                           \
    d, TCONV_LAYOUT_NCHW, TCONV_LAYOUT_NHWC, TCONV_LAYOUT_NCHW, m                                  \
  }
    LAYOUTS(TCONV_DTYPE_FLOAT32, TCONV_MATH_STRICT),
    LAYOUTS(TCONV_DTYPE_FLOAT16, TCONV_MATH_STRICT),
    LAYOUTS(TCONV_DTYPE_BFLOAT16, TCONV_MATH_STRICT),
    LAYOUTS(TCONV_DTYPE_FLOAT32, TCONV_MATH_TF32),
    LAYOUTS(TCONV_DTYPE_FLOAT16, TCONV_MATH_TF32),
    LAYOUTS(TCONV_DTYPE_BFLOAT16, TCONV_MATH_TF32),
#undef LAYOUTS
};

void typed_describe(const typed_combo *combo, char *text, size_t size) {
  snprintf(text, size, "%s x %s w %s y %s %s", tconv_dtype_name(combo->dtype),
           tconv_layout_name(combo->x), tconv_layout_name(combo->w), tconv_layout_name(combo->y),
           tconv_math_name(combo->math));
}

/* ---- the test's own storage code: rounding and permutation ------------------------------ */

/* The value of f rounded to the dtype (as a float, exactly representable). */
static float round_to(tconv_dtype dtype, float f) {
  if (dtype == TCONV_DTYPE_FLOAT16)
    return tconv_f16_to_f32(tconv_f32_to_f16(f));
  if (dtype == TCONV_DTYPE_BFLOAT16)
    return tconv_bf16_to_f32(tconv_f32_to_bf16(f));
  return f;
}

static void put(tconv_dtype dtype, void *base, int64_t i, float v) {
  if (dtype == TCONV_DTYPE_FLOAT16)
    ((uint16_t *)base)[i] = tconv_f32_to_f16(v);
  else if (dtype == TCONV_DTYPE_BFLOAT16)
    ((uint16_t *)base)[i] = tconv_f32_to_bf16(v);
  else
    ((float *)base)[i] = v;
}

static float get(tconv_dtype dtype, const void *base, int64_t i) {
  if (dtype == TCONV_DTYPE_FLOAT16)
    return tconv_f16_to_f32(((const uint16_t *)base)[i]);
  if (dtype == TCONV_DTYPE_BFLOAT16)
    return tconv_bf16_to_f32(((const uint16_t *)base)[i]);
  return ((const float *)base)[i];
}

/* Memory index of logical element (a, b, p) of a tensor (A, B, spatial...) with nb = B and ns
 * positions: channels first keeps C order; channels last moves b innermost, after p. */
static int64_t at(tconv_layout layout, int64_t a, int64_t b, int64_t p, int64_t nb, int64_t ns) {
  return layout == TCONV_LAYOUT_NHWC ? (a * ns + p) * nb + b : (a * nb + b) * ns + p;
}

void typed_store(tconv_dtype dtype, tconv_layout layout, int rank, const int64_t *dims,
                 const float *src, void *dst) {
  const int64_t ns = test_count(rank - 2, dims + 2);
  for (int64_t a = 0; a < dims[0]; ++a)
    for (int64_t b = 0; b < dims[1]; ++b)
      for (int64_t p = 0; p < ns; ++p)
        put(dtype, dst, at(layout, a, b, p, dims[1], ns), src[(a * dims[1] + b) * ns + p]);
}

void typed_load(tconv_dtype dtype, tconv_layout layout, int rank, const int64_t *dims,
                const void *src, float *dst) {
  const int64_t ns = test_count(rank - 2, dims + 2);
  for (int64_t a = 0; a < dims[0]; ++a)
    for (int64_t b = 0; b < dims[1]; ++b)
      for (int64_t p = 0; p < ns; ++p)
        dst[(a * dims[1] + b) * ns + p] = get(dtype, src, at(layout, a, b, p, dims[1], ns));
}

int typed_draw_case(test_case *c, int64_t index, int conventions_every, int64_t work_limit) {
  if (index % conventions_every == conventions_every - 1)
    case_random_conventions(c);
  else
    case_random(c, test_rng_int(0, 1) ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV,
                (int)test_rng_int(1, 3));
  if (case_finish(c) != 0)
    return 1;
  return c->work > work_limit ? -1 : 0;
}

int64_t typed_sweep(int64_t cases, int conventions_every, typed_reshape reshape,
                    int (*check)(const test_case *c, void *data), void *data) {
  int64_t failed = 0;
  for (int64_t index = 0; index < cases; ++index) {
    test_case c;
    int drawn;
    do {
      drawn = typed_draw_case(&c, index, conventions_every, TYPED_WORK_LIMIT);
      if (drawn == 0 && reshape != NULL)
        drawn = reshape(&c, index) != 0 ? 1 : c.work > TYPED_WORK_LIMIT ? -1 : 0;
    } while (drawn < 0);
    failed += drawn != 0 || check(&c, data) != 0;
  }
  return failed;
}

/* ---- one check ------------------------------------------------------------------------- */

/* A case's bufferless descriptors of x, w and y and its parameters, in a combination. */
typedef struct typed_query {
  tconv_tensor x, w, y;
  tconv_params params;
} typed_query;

static typed_query query_of(const test_case *c, const typed_combo *combo) {
  const int rank = c->rank + 2;
  typed_query q;
  q.x = tconv_tensor_make_typed(NULL, 0, rank, c->x_dims, combo->dtype, combo->x);
  q.w = tconv_tensor_make_typed(NULL, 0, rank, c->w_dims, combo->dtype, combo->w);
  q.y = tconv_tensor_make_typed(NULL, 0, rank, c->y_dims, combo->dtype, combo->y);
  q.params = c->params;
  q.params.math = combo->math;
  return q;
}

int typed_supported(tconv_context *ctx, const test_case *c, const typed_combo *combo,
                    tconv_algo algo) {
  const typed_query q = query_of(c, combo);
  const tconv_status status = tconv_algo_supported(ctx, c->op, &q.params, &q.x, &q.w, &q.y, algo);
  if (status == TCONV_STATUS_OK)
    return 1;
  char what[96];
  typed_describe(combo, what, sizeof what);
  if (status != TCONV_STATUS_UNSUPPORTED || tconv_context_last_error(ctx)[0] == '\0')
    CASE_FAIL(c, "%s, algo %s: supports query gave %s with \"%s\"", what, tconv_algo_name(algo),
              tconv_status_name(status), tconv_context_last_error(ctx));
  return 0;
}

/* Host data of one check: channels-first floats (rounded to the dtype) and stored copies. */
typedef struct typed_data {
  float *x, *w, *b, *ref, *mag, *y;       /* channels first, float */
  float *ax, *aw, *ab;                    /* |x|, |w|, |bias| */
  unsigned char *in, *out, *nx, *nw, *ny; /* input / output buffer images; NCHW stored copies */
  size_t in_bytes, out_bytes;
  size_t xo, wo, bo, yo, guard; /* byte offsets of x, w, bias in `in`, of y in `out`; guard
                                   bytes before and after y */
} typed_data;

static void data_free(typed_data *d) {
  void *all[] = {d->x,  d->w,  d->b,  d->ref, d->mag, d->y,  d->ax,
                 d->aw, d->ab, d->in, d->out, d->nx,  d->nw, d->ny};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
    free(all[i]);
}

/* The float32 channels-first reference of (x, w, b) with params p into y. */
static int reference32(const test_case *c, const tconv_params *p, const float *x, const float *w,
                       const float *b, float *y) {
  const tconv_status st =
      c->op == TCONV_OP_CONV
          ? tconv_reference_conv(p, c->x_dims, x, c->w_dims, w, c->bias ? b : NULL, c->y_dims, y)
          : tconv_reference_transpose(p, TCONV_FORMULATION_GATHER, c->x_dims, x, c->w_dims, w,
                                      c->bias ? b : NULL, c->y_dims, y);
  if (st != TCONV_STATUS_OK)
    CASE_FAIL(c, "float32 reference: %s (%s)", tconv_status_name(st), tconv_last_error());
  return st != TCONV_STATUS_OK;
}

static size_t round16(size_t v) { return (v + 15) / 16 * 16; }

/* Where the tensors go: odd element offsets after gaps of GAP_ELEMENTS, or (aligned) each on
 * a 16-byte boundary of the buffers, whose images are malloc'ed (16-byte aligned) and whose
 * device buffers start at least that aligned. */
static void place(const test_case *c, size_t esize, int aligned, typed_data *d) {
  const size_t gap = aligned ? 16 : GAP_ELEMENTS * esize;
  d->xo = gap;
  d->wo = d->xo + (size_t)c->x_count * esize + gap;
  d->bo = d->wo + (size_t)c->w_count * esize + gap;
  if (aligned) {
    d->wo = round16(d->wo);
    d->bo = round16(d->bo);
  }
  d->in_bytes = d->bo + (size_t)c->cout * esize;
  d->guard = aligned ? ALIGNED_GUARD : GUARD_ELEMENTS * esize;
  d->yo = d->guard;
  d->out_bytes = (size_t)c->y_count * esize + 2 * d->guard;
}

/* Inputs, the float32 reference and the magnitudes S. */
static int prepare(const test_case *c, const typed_combo *combo, int aligned, typed_data *d) {
  const size_t esize = tconv_dtype_size(combo->dtype);
  place(c, esize, aligned, d);
  d->x = malloc((size_t)c->x_count * 4), d->w = malloc((size_t)c->w_count * 4);
  d->b = malloc((size_t)c->cout * 4), d->ref = malloc((size_t)c->y_count * 4);
  d->mag = malloc((size_t)c->y_count * 4), d->y = malloc((size_t)c->y_count * 4);
  d->ax = malloc((size_t)c->x_count * 4), d->aw = malloc((size_t)c->w_count * 4);
  d->ab = malloc((size_t)c->cout * 4);
  d->in = malloc(d->in_bytes), d->out = malloc(d->out_bytes);
  d->nx = malloc((size_t)c->x_count * esize), d->nw = malloc((size_t)c->w_count * esize);
  d->ny = malloc((size_t)c->y_count * esize);
  if (!d->x || !d->w || !d->b || !d->ref || !d->mag || !d->y || !d->ax || !d->aw || !d->ab ||
      !d->in || !d->out || !d->nx || !d->nw || !d->ny) {
    CASE_FAIL(c, "out of host memory");
    return 1;
  }
  case_fill_inputs(c, 0, d->x, d->w, d->b);
  float *const arrays[3] = {d->x, d->w, d->b}, *const abs_arrays[3] = {d->ax, d->aw, d->ab};
  const int64_t counts[3] = {c->x_count, c->w_count, c->cout};
  for (int t = 0; t < 3; ++t)
    for (int64_t i = 0; i < counts[t]; ++i) {
      arrays[t][i] = round_to(combo->dtype, arrays[t][i]);
      abs_arrays[t][i] = fabsf(arrays[t][i]);
    }
  tconv_params plain = c->params;
  plain.activation = TCONV_ACTIVATION_NONE;
  plain.activation_alpha = plain.activation_beta = 0.0f;
  return reference32(c, &c->params, d->x, d->w, d->b, d->ref) ||
         reference32(c, &plain, d->ax, d->aw, d->ab, d->mag);
}

/* Compares the channels-first result with the float32 reference by the dtype's rule. */
static int judge(const test_case *c, const typed_combo *combo, const char *what,
                 const typed_data *d) {
  if (!tconv_tolerance_per_element(combo->dtype, combo->math))
    return case_compare_close(c, what, d->y, d->ref);
  for (int64_t i = 0; i < c->y_count; ++i) {
    const double bound = tconv_tolerance_bound(combo->dtype, combo->math, c->params.activation,
                                               c->params.activation_alpha, d->ref[i], d->mag[i]);
    if (!tconv_tolerance_accepts(d->y[i], d->ref[i], bound)) {
      CASE_FAIL(c, "%s: element %lld is %.9g, the reference %.9g, |difference| %.3g > bound %.3g",
                what, (long long)i, (double)d->y[i], (double)d->ref[i],
                fabs((double)d->y[i] - d->ref[i]), bound);
      return 1;
    }
  }
  return 0;
}

/* The typed reference on channels-first stored copies, compared bit for bit with y. */
static int judge_exact(const test_case *c, const typed_combo *combo, const char *what,
                       typed_data *d) {
  const int rank = c->rank + 2;
  const tconv_layout nchw = TCONV_LAYOUT_NCHW;
  typed_store(combo->dtype, nchw, rank, c->x_dims, d->x, d->nx);
  typed_store(combo->dtype, nchw, rank, c->w_dims, d->w, d->nw);
  /* the bias needs no permutation: its stored copy serves */
  const void *bias = c->bias ? d->in + d->bo : NULL;
  tconv_params p = c->params;
  p.math = combo->math;
  const tconv_status st =
      c->op == TCONV_OP_CONV
          ? tconv_reference_conv_typed(&p, combo->dtype, nchw, c->x_dims, d->nx, nchw, c->w_dims,
                                       d->nw, bias, nchw, c->y_dims, d->ny)
          : tconv_reference_transpose_typed(&p, TCONV_FORMULATION_GATHER, combo->dtype, nchw,
                                            c->x_dims, d->nx, nchw, c->w_dims, d->nw, bias, nchw,
                                            c->y_dims, d->ny);
  if (st != TCONV_STATUS_OK) {
    CASE_FAIL(c, "%s: typed reference: %s (%s)", what, tconv_status_name(st), tconv_last_error());
    return 1;
  }
  for (int64_t i = 0; i < c->y_count; ++i) {
    const float want = get(combo->dtype, d->ny, i);
    if (memcmp(&want, &d->y[i], sizeof want) != 0 && !(isnan(want) && isnan(d->y[i]))) {
      CASE_FAIL(c, "%s: element %lld is %.9g, the typed reference %.9g", what, (long long)i,
                (double)d->y[i], (double)want);
      return 1;
    }
  }
  return 0;
}

/* The guard pattern of a dtype: a NaN no kernel writes. */
static const void *guard_of(size_t esize, tconv_dtype dtype) {
  static const uint32_t guard32 = 0x7FA5A5A5u;
  static const uint16_t guard_f16 = 0x7DA5u, guard_bf16 = 0x7FA5u;
  if (esize == 4)
    return &guard32;
  return dtype == TCONV_DTYPE_FLOAT16 ? (const void *)&guard_f16 : (const void *)&guard_bf16;
}

/* The buffer images: x, w and bias stored in the combination's dtype and layouts at d's
 * offsets; y's bytes all 0xFF (NaN in every dtype) between guards. */
static void stage(const test_case *c, const typed_combo *combo, typed_data *d) {
  const size_t esize = tconv_dtype_size(combo->dtype);
  const int rank = c->rank + 2;
  typed_store(combo->dtype, combo->x, rank, c->x_dims, d->x, d->in + d->xo);
  typed_store(combo->dtype, combo->w, rank, c->w_dims, d->w, d->in + d->wo);
  for (int64_t i = 0; i < c->cout; ++i)
    put(combo->dtype, d->in + d->bo, i, d->b[i]);
  const void *guard = guard_of(esize, combo->dtype);
  memset(d->out, 0xFF, d->out_bytes);
  for (size_t i = 0; i < d->guard; i += esize) {
    memcpy(d->out + i, guard, esize);
    memcpy(d->out + d->out_bytes - d->guard + i, guard, esize);
  }
}

/* After the run: the guards must be intact; y is un-permuted into d->y. */
static int unstage(const test_case *c, const typed_combo *combo, const char *what, typed_data *d) {
  const size_t esize = tconv_dtype_size(combo->dtype);
  const void *guard = guard_of(esize, combo->dtype);
  for (size_t i = 0; i < d->guard; i += esize)
    if (memcmp(d->out + i, guard, esize) != 0 ||
        memcmp(d->out + d->out_bytes - d->guard + i, guard, esize) != 0) {
      CASE_FAIL(c, "%s wrote outside y (guard element %zu)", what, i / esize);
      return 1;
    }
  typed_load(combo->dtype, combo->y, c->rank + 2, c->y_dims, d->out + d->yo, d->y);
  return 0;
}

/* The runner of typed_check: uploads the images, runs `algo` on ctx, downloads y's. */
typedef struct api_run {
  tconv_context *ctx;
  tconv_algo algo;
  const typed_data *d;
} api_run;

static int run_api(void *data, const test_case *c, const typed_combo *combo, const void *x,
                   const void *w, const void *bias, void *y, char *why, size_t why_size) {
  (void)x, (void)w, (void)y; /* the images travel whole; the offsets are d's */
  const api_run *r = data;
  tconv_context *ctx = r->ctx;
  const typed_data *d = r->d;
  const int rank = c->rank + 2;
  tconv_buffer *bin = NULL, *bout = NULL, *ws = NULL;
  tconv_params p = c->params;
  p.math = combo->math;
  tconv_tensor tx = tconv_tensor_make_typed(NULL, d->xo, rank, c->x_dims, combo->dtype, combo->x);
  tconv_tensor tw = tconv_tensor_make_typed(NULL, d->wo, rank, c->w_dims, combo->dtype, combo->w);
  tconv_tensor tb =
      tconv_tensor_make_typed(NULL, d->bo, 1, &c->cout, combo->dtype, TCONV_LAYOUT_NCHW);
  tconv_tensor ty = tconv_tensor_make_typed(NULL, d->yo, rank, c->y_dims, combo->dtype, combo->y);
  size_t ws_bytes = 0;
  const char *step = "buffers";
  tconv_status st = tconv_buffer_create(ctx, d->in_bytes, &bin);
  if (st == TCONV_STATUS_OK)
    st = tconv_buffer_create(ctx, d->out_bytes, &bout);
  if (st == TCONV_STATUS_OK)
    st = tconv_buffer_upload(ctx, bin, 0, d->in, d->in_bytes);
  if (st == TCONV_STATUS_OK)
    st = tconv_buffer_upload(ctx, bout, 0, d->out, d->out_bytes);
  tx.buffer = tw.buffer = tb.buffer = bin;
  ty.buffer = bout;
  if (st == TCONV_STATUS_OK) {
    step = "workspace";
    st = tconv_workspace_size(ctx, c->op, &p, &tx, &tw, &ty, r->algo, &ws_bytes);
  }
  if (st == TCONV_STATUS_OK && ws_bytes > 0)
    st = tconv_buffer_create(ctx, ws_bytes, &ws);
  if (st == TCONV_STATUS_OK) {
    step = "forward";
    const tconv_tensor *b = bias != NULL ? &tb : NULL;
    st = c->op == TCONV_OP_CONV ? tconv_conv_forward(ctx, &p, &tx, &tw, b, &ty, r->algo, ws)
                                : tconv_transpose_forward(ctx, &p, &tx, &tw, b, &ty, r->algo, ws);
  }
  if (st == TCONV_STATUS_OK) {
    step = "download";
    st = tconv_buffer_download(ctx, bout, 0, d->out, d->out_bytes);
  }
  if (st != TCONV_STATUS_OK)
    snprintf(why, why_size, "%s: %s (%s)", step, tconv_status_name(st),
             tconv_context_last_error(ctx));
  tconv_buffer_destroy(ws);
  tconv_buffer_destroy(bin);
  tconv_buffer_destroy(bout);
  return st != TCONV_STATUS_OK;
}

/* prepare, stage, run, unstage, judge (and judge_exact when exact). A runner that fails with
 * an empty reason has recorded its failure itself. */
static int check(const test_case *c, const typed_combo *combo, int aligned, int exact,
                 const char *what, typed_runner runner, void *data, typed_data *d) {
  if (prepare(c, combo, aligned, d))
    return 1;
  stage(c, combo, d);
  char why[400] = "";
  if (runner(data, c, combo, d->in + d->xo, d->in + d->wo, c->bias ? d->in + d->bo : NULL,
             d->out + d->yo, why, sizeof why) != 0) {
    if (why[0] != '\0')
      CASE_FAIL(c, "%s: %s", what, why);
    return 1;
  }
  return unstage(c, combo, what, d) || judge(c, combo, what, d) ||
         (exact && judge_exact(c, combo, what, d));
}

/* check with `what` made of the combination, the name and the placement. */
static int check_named(const test_case *c, const typed_combo *combo, const char *name, int aligned,
                       int exact, typed_runner runner, void *data, typed_data *d) {
  char what[200], combo_text[96];
  typed_describe(combo, combo_text, sizeof combo_text);
  snprintf(what, sizeof what, "%s, %s%s", combo_text, name, aligned ? "" : ", odd offsets");
  memset(d, 0, sizeof *d);
  const int failed = check(c, combo, aligned, exact, what, runner, data, d);
  data_free(d);
  return failed;
}

int typed_check_with(typed_runner runner, void *data, const char *name, const test_case *c,
                     const typed_combo *combo, int aligned) {
  typed_data d;
  return check_named(c, combo, name, aligned, 0, runner, data, &d);
}

int typed_check(tconv_context *ctx, tconv_algo algo, const test_case *c, const typed_combo *combo,
                int exact, int aligned) {
  char name[64];
  snprintf(name, sizeof name, "algo %s", tconv_algo_name(algo));
  typed_data d;
  api_run api = {ctx, algo, &d};
  return check_named(c, combo, name, aligned, exact, run_api, &api, &d);
}

/* ---- emulated kernels ------------------------------------------------------------------- */

int typed_problem(const test_case *c, const typed_combo *combo, tconv_problem *p) {
  const typed_query q = query_of(c, combo);
  const tconv_status st = tconv_problem_init_tensors(NULL, p, c->op, &q.params, &q.x, &q.w, &q.y);
  if (st != TCONV_STATUS_OK)
    CASE_FAIL(c, "typed problem: %s (%s)", tconv_status_name(st), tconv_last_error());
  return st != TCONV_STATUS_OK;
}

/* The runner of typed_check_emulated: the emulation on problem p (it records its failures). */
typedef struct emulated_run {
  const tconv_problem *p;
  typed_emulator emulate;
  void *data;
} emulated_run;

static int run_emulated(void *data, const test_case *c, const typed_combo *combo, const void *x,
                        const void *w, const void *bias, void *y, char *why, size_t why_size) {
  (void)combo, (void)why, (void)why_size;
  const emulated_run *r = data;
  return r->emulate(c, r->p, x, w, bias, y, r->data);
}

int typed_check_emulated(const test_case *c, const typed_combo *combo, const char *name,
                         typed_emulator emulate, void *data) {
  tconv_problem p;
  if (typed_problem(c, combo, &p) != 0)
    return 1;
  emulated_run r = {&p, emulate, data};
  typed_data d;
  return check_named(c, combo, name, 0, 0, run_emulated, &r, &d);
}

/* What the emulations' sweep hands each case. */
typedef struct emulated_sweep {
  const char *name;
  int (*supports)(const struct tconv_problem *, char *, size_t);
  typed_emulator emulate;
  void *data;
  int64_t *ran;
} emulated_sweep;

/* One case through every combination the rule takes; 1 on a failure. */
static int emulated_case(const test_case *c, void *data) {
  const emulated_sweep *s = data;
  for (int k = 0; k < TYPED_COMBO_COUNT; ++k) {
    tconv_problem p;
    char why[256] = "";
    if (typed_problem(c, &typed_combos[k], &p) != 0)
      return 1;
    if (!s->supports(&p, why, sizeof why)) {
      if (why[0] != '\0')
        continue;
      CASE_FAIL(c, "%s refuses a combination without a reason", s->name);
      return 1;
    }
    ++s->ran[k];
    if (typed_check_emulated(c, &typed_combos[k], s->name, s->emulate, s->data) != 0)
      return 1;
  }
  return 0;
}

void typed_sweep_emulated(const char *name, int64_t cases, typed_reshape reshape,
                          int (*supports)(const struct tconv_problem *, char *, size_t),
                          typed_emulator emulate, void *data, int64_t *ran) {
  begin_test();
  memset(ran, 0, TYPED_COMBO_COUNT * sizeof *ran);
  emulated_sweep s = {name, supports, emulate, data, ran};
  const int64_t failed = typed_sweep(cases, 3, reshape, emulated_case, &s);
  printf("\n  %s checks per combination:", name);
  for (int k = 0; k < TYPED_COMBO_COUNT; ++k) {
    char what[96];
    typed_describe(&typed_combos[k], what, sizeof what);
    printf("%s[%s: %lld]", k % 3 == 0 ? "\n   " : " ", what, (long long)ran[k]);
  }
  end_test(failed, cases);
}

/* ---- the CUDA algorithms' support matrix ------------------------------------------------ */

int typed_cuda_takes(tconv_algo algo, const typed_combo *combo, const char **named) {
  const int plain = combo->dtype == TCONV_DTYPE_FLOAT32 && combo->x == TCONV_LAYOUT_NCHW &&
                    combo->w == TCONV_LAYOUT_NCHW && combo->y == TCONV_LAYOUT_NCHW &&
                    combo->math == TCONV_MATH_STRICT;
  /* The reason names the first thing refused: the dtype, a layout, or the math. */
  *named = combo->dtype != TCONV_DTYPE_FLOAT32 ? tconv_dtype_name(combo->dtype)
           : combo->x != TCONV_LAYOUT_NCHW     ? "x layout nhwc"
           : combo->w != TCONV_LAYOUT_NCHW     ? "w layout nhwc"
                                               : "math tf32";
  if (algo == TCONV_ALGO_IGEMM && !plain)
    return 0;
  /* The tensor cores: float16 and bfloat16 in every layout under either math, float32 under
   * TF32 math only. */
  if (algo == TCONV_ALGO_IGEMM_TC && combo->dtype == TCONV_DTYPE_FLOAT32 &&
      combo->math != TCONV_MATH_TF32) {
    *named = "math strict";
    return 0;
  }
  *named = NULL;
  return 1;
}
