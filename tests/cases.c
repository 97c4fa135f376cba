/*
 * cases.c - the problems of the algorithm-vs-reference sweeps (see cases.h).
 */
#include "cases.h"

#include "problem.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPORTED_CASES 10 /* detailed failure records per test; then only a count */

/* ---- reporting ---------------------------------------------------------------------------- */

static int reported; /* failures recorded in detail by the current test */
static int quiet;    /* failures expected: counted, not recorded (case_quiet) */
static int64_t quiet_failures;

static void case_describe(const test_case *c, char *text, size_t size) {
  size_t used = 0;
#define APPEND(...)                                                                                \
  do {                                                                                             \
    int n_ = snprintf(text + used, size - used, __VA_ARGS__);                                      \
    used = n_ < 0 ? used : (used + (size_t)n_ < size ? used + (size_t)n_ : size - 1);              \
  } while (0)
  APPEND("%s rank %d N=%lld Cin=%lld Cout=%lld groups=%lld bias=%d",
         c->op == TCONV_OP_CONV ? "conv" : "transpose", c->rank, (long long)c->n, (long long)c->cin,
         (long long)c->cout, (long long)c->groups, c->bias);
  const struct {
    const char *name;
    const int64_t *v;
  } fields[] = {{"in", c->in}, {"k", c->k},   {"s", c->s},    {"d", c->d},
                {"pb", c->pb}, {"pe", c->pe}, {"op", c->opad}};
  for (size_t f = 0; f < sizeof fields / sizeof fields[0]; ++f) {
    APPEND(" %s=", fields[f].name);
    for (int i = 0; i < c->rank; ++i)
      APPEND("%s%lld", i ? "x" : "", (long long)fields[f].v[i]);
  }
#undef APPEND
}

/* Records a CUnit failure whose message names the case (CU_FAIL only takes literals). */
void case_fail(const char *file, int line, const test_case *c, const char *format, ...) {
  if (quiet) {
    ++quiet_failures;
    return;
  }
  if (reported++ >= MAX_REPORTED_CASES)
    return;
  char what[256], where[400], message[700];
  va_list args;
  va_start(args, format);
  vsnprintf(what, sizeof what, format, args);
  va_end(args);
  if (c != NULL)
    case_describe(c, where, sizeof where);
  else
    snprintf(where, sizeof where, "no case");
  snprintf(message, sizeof message, "%s [%s]", what, where);
  printf("\n  FAILED: %s", message);
  CU_assertImplementation(CU_FALSE, (unsigned)line, message, file, "", CU_FALSE);
}

/* Every test starts its random stream from the seed, so a failure reproduces with
 * TCONV_TEST_SEED=<seed> TCONV_TEST_ONLY=gpu whatever else ran before. */
void begin_test(void) {
  reported = 0;
  test_rng_seed(test_rng_seed_value());
}

/* After the loop: the failures beyond the detailed ones still fail the test. */
void end_test(int64_t failed, int64_t cases) {
  printf("\n  %lld cases: ", (long long)cases);
  if (failed > MAX_REPORTED_CASES)
    printf("\n  ... %lld of %lld cases failed in all", (long long)failed, (long long)cases);
  CU_ASSERT_EQUAL(failed, 0);
}

/* ---- cases ------------------------------------------------------------------------------ */

int64_t max_i64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Fills params and dims from the chosen values, with output sizes from DESIGN §1, and checks
 * that the library's shape query agrees. Returns 0 when the case is usable. */
int case_finish(test_case *c) {
  tconv_params *p = &c->params;
  *p = tconv_params_default(c->rank);
  p->groups = c->groups;
  p->padding_mode = (tconv_padding_mode)c->padding_mode;
  p->activation = (tconv_activation)c->activation;
  p->activation_alpha = c->alpha;
  p->activation_beta = c->beta;
  c->x_dims[0] = c->y_dims[0] = c->n;
  c->x_dims[1] = c->cin;
  c->y_dims[1] = c->cout;
  c->w_dims[0] = c->op == TCONV_OP_CONV ? c->cout : c->cin;
  c->w_dims[1] = c->op == TCONV_OP_CONV ? c->cin / c->groups : c->cout / c->groups;
  int64_t taps = 1;
  for (int i = 0; i < c->rank; ++i) {
    const int64_t ke = c->d[i] * (c->k[i] - 1) + 1;
    p->stride[i] = c->s[i];
    p->dilation[i] = c->d[i];
    p->pad_begin[i] = c->pb[i];
    p->pad_end[i] = c->pe[i];
    p->output_padding[i] = c->op == TCONV_OP_CONV ? 0 : c->opad[i];
    c->x_dims[2 + i] = c->in[i];
    c->w_dims[2 + i] = c->k[i];
    c->y_dims[2 + i] = c->op == TCONV_OP_CONV
                           ? (c->in[i] + c->pb[i] + c->pe[i] - ke) / c->s[i] + 1
                           : (c->in[i] - 1) * c->s[i] - c->pb[i] - c->pe[i] + ke + c->opad[i];
    taps *= c->k[i];
  }
  const int rank = c->rank + 2;
  c->x_count = test_count(rank, c->x_dims);
  c->w_count = test_count(rank, c->w_dims);
  c->y_count = test_count(rank, c->y_dims);
  c->work = c->y_count * (c->cin / c->groups) * taps;

  int64_t got[5] = {0, 0, 0, 0, 0};
  const tconv_status status = c->op == TCONV_OP_CONV
                                  ? tconv_conv_output_shape(p, c->x_dims, c->w_dims, got)
                                  : tconv_transpose_output_shape(p, c->x_dims, c->w_dims, got);
  if (status != TCONV_STATUS_OK) {
    CASE_FAIL(c, "shape query: %s (%s)", tconv_status_name(status), tconv_last_error());
    return 1;
  }
  for (int i = 0; i < rank; ++i)
    if (got[i] != c->y_dims[i] || c->y_dims[i] < 1) {
      CASE_FAIL(c, "shape query: y dimension %d is %lld, DESIGN §1 gives %lld", i,
                (long long)got[i], (long long)c->y_dims[i]);
      return 1;
    }
  return 0;
}

/* Chooses i for one dimension so the output has at least one element. */
void case_fit_input(test_case *c, int dim) {
  const int64_t ke = c->d[dim] * (c->k[dim] - 1) + 1;
  if (c->op == TCONV_OP_CONV) {
    if (c->in[dim] + c->pb[dim] + c->pe[dim] < ke)
      c->in[dim] = ke - c->pb[dim] - c->pe[dim];
  } else {
    while ((c->in[dim] - 1) * c->s[dim] - c->pb[dim] - c->pe[dim] + ke + c->opad[dim] < 1)
      ++c->in[dim];
  }
}

void case_from_spec(test_case *c, const case_spec *spec) {
  memset(c, 0, sizeof *c);
  c->op = spec->op;
  c->rank = spec->rank;
  c->n = spec->n;
  c->cin = spec->cin;
  c->cout = spec->cout;
  c->groups = spec->groups;
  c->bias = spec->bias;
  for (int i = 0; i < 3; ++i) {
    c->in[i] = spec->in[i];
    c->k[i] = spec->k[i];
    c->s[i] = spec->s[i];
    c->d[i] = spec->d[i];
    c->pb[i] = spec->pb[i];
    c->pe[i] = spec->pe[i];
    c->opad[i] = spec->opad[i];
  }
}

void case_dims_neutral(test_case *c) {
  for (int i = 0; i < 3; ++i) {
    c->in[i] = c->k[i] = c->s[i] = c->d[i] = 1;
    c->pb[i] = c->pe[i] = c->opad[i] = 0;
  }
}

/* Channels: plain, grouped, or depthwise (one input channel per group). */
void case_random_channels(test_case *c) {
  switch (test_rng_int(0, 2)) {
  case 0:
    c->groups = 1;
    c->cin = test_rng_int(1, 4);
    c->cout = test_rng_int(1, 4);
    break;
  case 1:
    c->groups = test_rng_int(2, 3);
    c->cin = c->groups * test_rng_int(1, 2);
    c->cout = c->groups * test_rng_int(1, 3);
    break;
  default:
    c->cin = c->groups = test_rng_int(2, 5);
    c->cout = c->cin * test_rng_int(1, 2);
    break;
  }
}

/* A random case of `rank` spatial dims: every dimension's parameters drawn independently,
 * pads up to one beyond ke - 1, every output_padding valid for its dimension. */
void case_random(test_case *c, tconv_op op, int rank) {
  static const int64_t max_in[4] = {0, 24, 9, 5};
  memset(c, 0, sizeof *c);
  c->op = op;
  c->rank = rank;
  case_dims_neutral(c);
  c->n = test_rng_int(1, 3);
  c->bias = (int)test_rng_int(0, 1);
  case_random_channels(c);
  for (int i = 0; i < rank; ++i) {
    c->s[i] = test_rng_int(1, 4);
    c->k[i] = test_rng_int(1, rank == 3 ? 3 : 5);
    c->d[i] = test_rng_int(1, 3);
    const int64_t ke = c->d[i] * (c->k[i] - 1) + 1;
    c->pb[i] = test_rng_int(0, ke);
    c->pe[i] = test_rng_int(0, ke);
    c->opad[i] = op == TCONV_OP_CONV ? 0 : test_rng_int(0, max_i64(c->s[i], c->d[i]) - 1);
    c->in[i] = test_rng_int(1, max_in[rank]);
    case_fit_input(c, i);
  }
}

int case_problem(const test_case *c, tconv_problem *p) {
  const tconv_status status = tconv_problem_init(NULL, p, c->op, &c->params, c->x_dims, c->w_dims);
  if (status != TCONV_STATUS_OK) {
    CASE_FAIL(c, "problem: %s (%s)", tconv_status_name(status), tconv_last_error());
    return 1;
  }
  return 0;
}

tconv_problem case_problem_of(tconv_op op, int rank, const int64_t *x_dims, const int64_t *w_dims,
                              int64_t groups) {
  tconv_params params = tconv_params_default(rank);
  params.groups = groups;
  tconv_problem p;
  memset(&p, 0, sizeof p);
  CU_ASSERT_EQUAL(tconv_problem_init(NULL, &p, op, &params, x_dims, w_dims), TCONV_STATUS_OK);
  return p;
}

void case_poison(float *a, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    a[i] = NAN;
}

void case_fill_inputs(const test_case *c, int integers, float *x, float *w, float *bias) {
  if (integers) {
    test_fill_int(x, c->x_count, CASE_INT_LO, CASE_INT_HI);
    test_fill_int(w, c->w_count, CASE_INT_LO, CASE_INT_HI);
    test_fill_int(bias, c->cout, CASE_INT_LO, CASE_INT_HI);
  } else {
    test_fill_uniform(x, c->x_count);
    test_fill_uniform(w, c->w_count);
    test_fill_uniform(bias, c->cout);
  }
}

int case_reference(const test_case *c, const float *x, const float *w, const float *bias,
                   float *y) {
  const tconv_status status =
      c->op == TCONV_OP_CONV
          ? tconv_reference_conv(&c->params, c->x_dims, x, c->w_dims, w, c->bias ? bias : NULL,
                                 c->y_dims, y)
          : tconv_reference_transpose(&c->params, TCONV_FORMULATION_GATHER, c->x_dims, x, c->w_dims,
                                      w, c->bias ? bias : NULL, c->y_dims, y);
  if (status != TCONV_STATUS_OK) {
    CASE_FAIL(c, "CPU reference: %s (%s)", tconv_status_name(status), tconv_last_error());
    return 1;
  }
  return 0;
}

int case_compare_close(const test_case *c, const char *what, const float *y, const float *ref) {
  const double error = test_rel_error(y, ref, c->y_count);
  if (!(error <= TEST_F32_TOLERANCE)) {
    CASE_FAIL(c, "%s: relative error %.3g > %g", what, error, TEST_F32_TOLERANCE);
    return 1;
  }
  return 0;
}

int case_compare_exact(const test_case *c, const char *what, const float *y, const float *ref) {
  const int64_t at = test_first_difference(y, ref, c->y_count);
  if (at >= 0) {
    CASE_FAIL(c, "%s: element %lld is %.9g, expected %.9g", what, (long long)at, (double)y[at],
              (double)ref[at]);
    return 1;
  }
  return 0;
}

int case_compare(const test_case *c, const char *what, int integers, const float *y,
                 const float *ref) {
  const int exact = integers && c->activation != TCONV_ACTIVATION_SIGMOID &&
                    c->activation != TCONV_ACTIVATION_TANH;
  return exact ? case_compare_exact(c, what, y, ref) : case_compare_close(c, what, y, ref);
}

int64_t case_reference_work(const test_case *c) {
  if (c->op == TCONV_OP_CONV || c->padding_mode != TCONV_PADDING_CIRCULAR)
    return c->work;
  return c->work * (c->x_count / (c->n * c->cin));
}

/* One row per case reads better than clang-format's one field per line. */
/* clang-format off */
const case_spec case_edge_table[] = {
    /* op, rank, N, Cin, Cout, groups, bias, in, k, s, d, pb, pe, op */
    /* non-square everything, per-dimension output_padding */
    {TCONV_OP_TRANSPOSE, 2, 2, 4, 6, 2, 1, {5, 7, 1}, {3, 2, 1}, {2, 3, 1}, {1, 2, 1},
     {1, 0, 0}, {0, 2, 0}, {1, 2, 0}},
    /* kernel larger than the input */
    {TCONV_OP_TRANSPOSE, 2, 1, 2, 3, 1, 0, {1, 2, 1}, {5, 4, 1}, {3, 1, 1}, {1, 1, 1},
     {0, 1, 0}, {2, 0, 0}, {2, 0, 0}},
    /* stride 4, kernel 1, output_padding 3: three outputs in four have no tap (bias only) */
    {TCONV_OP_TRANSPOSE, 1, 2, 3, 2, 1, 1, {6, 1, 1}, {1, 1, 1}, {4, 1, 1}, {1, 1, 1},
     {0, 0, 0}, {0, 0, 0}, {3, 0, 0}},
    /* dilation larger than stride, output_padding up to d - 1 */
    {TCONV_OP_TRANSPOSE, 1, 1, 2, 2, 1, 1, {7, 1, 1}, {3, 1, 1}, {1, 1, 1}, {3, 1, 1},
     {2, 0, 0}, {1, 0, 0}, {2, 0, 0}},
    /* stride and dilation sharing a factor (gcd 2) */
    {TCONV_OP_TRANSPOSE, 2, 1, 3, 3, 3, 0, {6, 5, 1}, {4, 3, 1}, {4, 6, 1}, {2, 4, 1},
     {3, 5, 0}, {1, 0, 0}, {1, 3, 0}},
    /* depthwise 3-D, odd sizes */
    {TCONV_OP_TRANSPOSE, 3, 2, 3, 3, 3, 1, {3, 4, 5}, {3, 3, 2}, {2, 2, 3}, {1, 2, 1},
     {1, 0, 2}, {0, 1, 0}, {1, 1, 2}},
    /* Cout / groups = 1, Cin / groups = 4 */
    {TCONV_OP_TRANSPOSE, 2, 3, 8, 2, 2, 1, {4, 3, 1}, {2, 3, 1}, {2, 2, 1}, {1, 1, 1},
     {0, 1, 0}, {1, 1, 0}, {0, 1, 0}},
    /* long 1-D (vocoder-like upsampling) */
    {TCONV_OP_TRANSPOSE, 1, 2, 4, 3, 1, 1, {1000, 1, 1}, {5, 1, 1}, {3, 1, 1}, {2, 1, 1},
     {4, 0, 0}, {3, 0, 0}, {1, 0, 0}},
    /* 1x1 kernels: pure channel mixing, both ops */
    {TCONV_OP_TRANSPOSE, 2, 2, 5, 7, 1, 1, {3, 4, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1},
     {0, 0, 0}, {0, 0, 0}, {0, 0, 0}},
    {TCONV_OP_CONV, 2, 2, 5, 7, 1, 1, {3, 4, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1},
     {0, 0, 0}, {0, 0, 0}, {0, 0, 0}},
    /* convolution striding past inputs (stride > kernel) */
    {TCONV_OP_CONV, 2, 1, 2, 3, 1, 0, {13, 9, 1}, {2, 1, 1}, {4, 3, 1}, {1, 1, 1},
     {0, 0, 0}, {1, 0, 0}, {0, 0, 0}},
    /* convolution padded by the whole extent: border outputs read only padding */
    {TCONV_OP_CONV, 2, 2, 2, 2, 1, 1, {4, 3, 1}, {3, 2, 1}, {1, 2, 1}, {2, 1, 1},
     {5, 2, 0}, {5, 2, 0}, {0, 0, 0}},
    /* grouped convolution with Cin/g != Cout/g, width 1 */
    {TCONV_OP_CONV, 2, 3, 6, 9, 3, 1, {13, 1, 1}, {3, 1, 1}, {2, 1, 1}, {2, 1, 1},
     {1, 0, 0}, {2, 0, 0}, {0, 0, 0}},
    /* depthwise 3-D convolution with channel multiplier 2 */
    {TCONV_OP_CONV, 3, 1, 3, 6, 3, 1, {5, 6, 7}, {2, 3, 2}, {2, 1, 3}, {2, 1, 1},
     {1, 0, 1}, {0, 2, 1}, {0, 0, 0}},
  };
/* clang-format on */
const size_t case_edge_count = sizeof case_edge_table / sizeof case_edge_table[0];

int case_reported(void) { return reported; }

int64_t case_quiet(int on) {
  const int64_t count = quiet_failures;
  quiet = on;
  quiet_failures = 0;
  return count;
}

void case_scale_channels(test_case *c, int64_t m) {
  c->cin = c->groups * (c->cin / c->groups) * m;
  c->cout = c->groups * (c->cout / c->groups) * m;
}

void case_random_conventions(test_case *c) {
  static const float alphas[6] = {0, 0, 0.2f, 0, 0, -0.5f}, betas[6] = {0, 0, 0, 0, 0, 0.75f};
  case_random(c, test_rng_int(0, 1) ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV, (int)test_rng_int(1, 3));
  c->activation = (int)test_rng_int(0, 5);
  c->alpha = alphas[c->activation];
  c->beta = betas[c->activation];
  int mode = c->op == TCONV_OP_CONV ? (int)test_rng_int(0, 3)
                                    : (test_rng_int(0, 1) ? TCONV_PADDING_CIRCULAR : 0);
  for (int i = 0; i < c->rank && c->op == TCONV_OP_CONV; ++i) {
    const int64_t limit = mode == TCONV_PADDING_REFLECT ? c->in[i] - 1 : c->in[i];
    if (mode != TCONV_PADDING_ZEROS && (c->pb[i] > limit || c->pe[i] > limit))
      mode = TCONV_PADDING_REPLICATE; /* the only mode without a pad limit */
  }
  c->padding_mode = mode;
}

void case_test_sweep_1d(int (*fn)(test_case *c, void *data)) {
  begin_test();
  int64_t cases = 0;
  const int64_t failed = case_sweep_1d(fn, NULL, &cases);
  end_test(failed, cases);
}

void case_test_tables(int (*fn)(test_case *c, void *data)) {
  begin_test();
  int64_t cases = 0, failed = 0;
  const struct {
    const case_spec *rows;
    size_t count;
  } tables[2] = {{case_edge_table, case_edge_count}, {case_tile_table, case_tile_count}};
  for (int t = 0; t < 2; ++t)
    for (size_t i = 0; i < tables[t].count; ++i) {
      test_case c;
      case_from_spec(&c, &tables[t].rows[i]);
      ++cases;
      failed += case_finish(&c) != 0 || fn(&c, NULL);
    }
  end_test(failed, cases);
}

static float *alloc_floats(int64_t n) { return malloc((size_t)(n > 0 ? n : 1) * sizeof(float)); }

int case_buffers_alloc(const test_case *c, case_buffers *b) {
  b->x = alloc_floats(c->x_count);
  b->w = alloc_floats(c->w_count);
  b->bias = alloc_floats(c->cout);
  b->ref = alloc_floats(c->y_count);
  b->y = alloc_floats(c->y_count);
  b->y2 = alloc_floats(c->y_count);
  if (b->x != NULL && b->w != NULL && b->bias != NULL && b->ref != NULL && b->y != NULL &&
      b->y2 != NULL)
    return 0;
  case_buffers_free(b);
  CASE_FAIL(c, "out of host memory");
  return 1;
}

void case_buffers_free(case_buffers *b) {
  free(b->x);
  free(b->w);
  free(b->bias);
  free(b->ref);
  free(b->y);
  free(b->y2);
  memset(b, 0, sizeof *b);
}

tconv_status case_supported(tconv_context *ctx, const test_case *c, tconv_algo algo) {
  const tconv_tensor x = tconv_tensor_make(NULL, 0, c->rank + 2, c->x_dims);
  const tconv_tensor w = tconv_tensor_make(NULL, 0, c->rank + 2, c->w_dims);
  return tconv_algo_supported(ctx, c->op, &c->params, &x, &w, NULL, algo);
}

int64_t case_sweep_random(int (*fn)(test_case *c, void *data), void *data, int64_t wanted,
                          int conventions, int64_t work_limit, int64_t *padded) {
  int64_t cases = 0, failed = 0;
  while (cases < wanted) {
    test_case c;
    if (conventions)
      case_random_conventions(&c);
    else
      case_random(&c, test_rng_int(0, 1) ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV,
                  (int)test_rng_int(1, 3));
    if (case_finish(&c) != 0) {
      ++failed;
      ++cases;
      continue;
    }
    if (c.work > work_limit)
      continue; /* redraw: bounded work per case */
    if (padded != NULL)
      *padded += c.padding_mode != TCONV_PADDING_ZEROS;
    failed += fn(&c, data);
    ++cases;
  }
  return failed;
}

int64_t case_sweep_1d(int (*fn)(test_case *c, void *data), void *data, int64_t *cases) {
  int64_t failed = 0;
  *cases = 0;
  for (int64_t s = 1; s <= 4; ++s)
    for (int64_t k = 1; k <= 5; ++k)
      for (int64_t d = 1; d <= 3; ++d) {
        const int64_t ke = d * (k - 1) + 1;
        for (int64_t op = -2; op < max_i64(s, d); ++op) {
          /* op -2 and -1 stand for two convolution cases. */
          test_case c;
          memset(&c, 0, sizeof c);
          case_dims_neutral(&c);
          c.op = op < 0 ? TCONV_OP_CONV : TCONV_OP_TRANSPOSE;
          c.rank = 1;
          c.n = test_rng_int(1, 3);
          c.bias = (int)test_rng_int(0, 1);
          case_random_channels(&c);
          c.s[0] = s;
          c.k[0] = k;
          c.d[0] = d;
          c.pb[0] = test_rng_int(0, ke);
          c.pe[0] = test_rng_int(0, ke);
          c.opad[0] = op < 0 ? 0 : op;
          c.in[0] = test_rng_int(1, 17);
          case_fit_input(&c, 0);
          ++*cases;
          if (case_finish(&c) != 0)
            ++failed;
          else
            failed += fn(&c, data);
        }
      }
  return failed;
}

/* clang-format off */
const case_spec case_tile_table[] = {
  /* op, rank, N, Cin, Cout, groups, bias, in, k, s, d, pb, pe, op */
  /* several tiles in M and N, K over many chunks (DCGAN-like, 4 phases) */
  {TCONV_OP_TRANSPOSE, 2, 2, 20, 150, 1, 1, {9, 9, 1}, {4, 4, 1}, {2, 2, 1}, {1, 1, 1},
   {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
  /* groups with 35 output channels each, output_padding (autoencoder-like) */
  {TCONV_OP_TRANSPOSE, 2, 3, 24, 70, 2, 1, {7, 5, 1}, {3, 3, 1}, {2, 2, 1}, {1, 1, 1},
   {1, 1, 0}, {1, 0, 0}, {1, 1, 0}},
  /* strided convolution, 130 output channels (ResNet-like) */
  {TCONV_OP_CONV, 2, 2, 33, 130, 1, 1, {15, 13, 1}, {3, 3, 1}, {2, 2, 1}, {1, 1, 1},
   {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
  /* 1-D, kernel 16 stride 8 (vocoder-like, 8 phases of 2 taps) */
  {TCONV_OP_TRANSPOSE, 1, 4, 64, 64, 1, 1, {40, 1, 1}, {16, 1, 1}, {8, 1, 1}, {1, 1, 1},
   {4, 0, 0}, {4, 0, 0}, {0, 0, 0}},
  /* 3-D, kernel 2 stride 2 (U-Net-like, 8 phases of one tap) */
  {TCONV_OP_TRANSPOSE, 3, 1, 20, 36, 1, 0, {4, 5, 3}, {2, 2, 2}, {2, 2, 2}, {1, 1, 1},
   {0, 0, 0}, {0, 0, 0}, {0, 0, 0}},
  /* one input channel, 140 outputs, long 1-D (speech feature encoder-like) */
  {TCONV_OP_CONV, 1, 2, 1, 140, 1, 1, {200, 1, 1}, {10, 1, 1}, {5, 1, 1}, {1, 1, 1},
   {0, 0, 0}, {0, 0, 0}, {0, 0, 0}},
  /* three output channels (an image generator's last layer) */
  {TCONV_OP_TRANSPOSE, 2, 2, 17, 3, 1, 1, {12, 12, 1}, {4, 4, 1}, {2, 2, 1}, {1, 1, 1},
   {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
  /* grouped, dilated and strided convolution */
  {TCONV_OP_CONV, 2, 2, 64, 64, 4, 0, {10, 10, 1}, {3, 3, 1}, {2, 2, 1}, {2, 2, 1},
   {2, 2, 0}, {2, 2, 0}, {0, 0, 0}},
  /* dilation 3 with stride 2 and a kernel larger than the stride: taps spread over phases */
  {TCONV_OP_TRANSPOSE, 2, 2, 9, 40, 1, 1, {6, 7, 1}, {5, 4, 1}, {2, 3, 1}, {3, 2, 1},
   {2, 3, 0}, {1, 0, 0}, {1, 2, 0}},
};
/* clang-format on */
const size_t case_tile_count = sizeof case_tile_table / sizeof case_tile_table[0];
