/*
 * test_gpu.c - suite "gpu_direct": the CUDA algorithms (DIRECT, and AUTO as dispatched)
 * against the CPU reference, through the public API only (no CUDA headers).
 *
 * Every case runs twice: seeded random floats in [-1, 1) (relative error <= 1e-5, and two
 * runs bitwise equal) and small integers (sums exact in float32, so bitwise equal to the
 * reference). Before each run the output buffer is poisoned (NaN everywhere) and y sits at an
 * odd offset inside it with guard words before and after, which must come back unchanged:
 * an output the kernel forgets stays NaN, a write outside y changes a guard. Inputs sit at
 * odd offsets of a shared buffer too.
 *
 * Cases: an exhaustive 1-D sweep of stride 1-4, kernel 1-5, dilation 1-3 and every valid
 * output_padding with random pads up to the dilated extent (one beyond what leaves every
 * output a tap); random rank 1-3 cases with per-dimension parameters, groups 1 / several /
 * depthwise, batch > 1, bias on or off; a table of edge cases; one output large enough that
 * the grid-stride loop takes several turns. TCONV_TEST_GPU_CASES sets the number of random
 * cases (default 600; tools/gpu-check.sh lowers it under compute-sanitizer).
 *
 * Without a usable device nothing is registered and "GPU suites: SKIPPED (<reason>)" is
 * printed; the runner turns that into a failure under REQUIRE_GPU=1.
 */
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD_WORDS 37          /* before and after y: odd, so y is not 16-byte aligned */
#define INPUT_GAP_WORDS 3       /* before x, w and bias in the shared input buffer */
#define POISON_WORD 0xFFFFFFFFu /* a NaN: an unwritten output fails the comparison */
#define GUARD_WORD 0x7FA5A5A5u  /* a NaN no kernel computes: a stray write changes it */
#define MAX_REPORTED_CASES 10   /* detailed failure records per test; then only a count */
#define RANDOM_CASES_DEFAULT 600
#define CASE_WORK_LIMIT 400000 /* multiply-adds per case, so the sweep stays quick */
#define INT_LO (-3)            /* integer inputs: |sum| stays far below 2^24 */
#define INT_HI 3

static tconv_context *gpu_ctx;

/* What a table row gives: one problem's parameters, dimension by dimension. */
typedef struct case_spec {
  tconv_op op;
  int rank; /* spatial */
  int64_t n, cin, cout, groups;
  int bias;
  int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], opad[3];
} case_spec;

/* One problem: what the sweep chose (as in case_spec), and the dims derived from it. */
typedef struct gpu_case {
  tconv_op op;
  int rank;
  int64_t n, cin, cout, groups;
  int bias;
  int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], opad[3];
  int padding_mode, activation; /* tconv_padding_mode, tconv_activation: 0 by default */
  float alpha, beta;            /* activation parameters */
  /* derived by case_finish() */
  tconv_params params;
  int64_t x_dims[5], w_dims[5], y_dims[5];
  int64_t x_count, w_count, y_count, work;
} gpu_case;

/* ---- reporting ---------------------------------------------------------------------------- */

static int reported; /* failures recorded in detail by the current test */

static void case_describe(const gpu_case *c, char *text, size_t size) {
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
static void case_fail(int line, const gpu_case *c, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void case_fail(int line, const gpu_case *c, const char *format, ...) {
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
  CU_assertImplementation(CU_FALSE, (unsigned)line, message, __FILE__, "", CU_FALSE);
}

#define CASE_FAIL(c, ...) case_fail(__LINE__, (c), __VA_ARGS__)

/* Every test starts its random stream from the seed, so a failure reproduces with
 * TCONV_TEST_SEED=<seed> TCONV_TEST_ONLY=gpu whatever else ran before. */
static void begin_test(void) {
  reported = 0;
  test_rng_seed(test_rng_seed_value());
}

/* After the loop: the failures beyond the detailed ones still fail the test. */
static void end_test(int64_t failed, int64_t cases) {
  printf("\n  %lld cases: ", (long long)cases);
  if (failed > MAX_REPORTED_CASES)
    printf("\n  ... %lld of %lld cases failed in all", (long long)failed, (long long)cases);
  CU_ASSERT_EQUAL(failed, 0);
}

/* ---- cases ------------------------------------------------------------------------------ */

static int64_t max_i64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Fills params and dims from the chosen values, with output sizes from DESIGN §1, and checks
 * that the library's shape query agrees. Returns 0 when the case is usable. */
static int case_finish(gpu_case *c) {
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
static void case_fit_input(gpu_case *c, int dim) {
  const int64_t ke = c->d[dim] * (c->k[dim] - 1) + 1;
  if (c->op == TCONV_OP_CONV) {
    if (c->in[dim] + c->pb[dim] + c->pe[dim] < ke)
      c->in[dim] = ke - c->pb[dim] - c->pe[dim];
  } else {
    while ((c->in[dim] - 1) * c->s[dim] - c->pb[dim] - c->pe[dim] + ke + c->opad[dim] < 1)
      ++c->in[dim];
  }
}

static void case_from_spec(gpu_case *c, const case_spec *spec) {
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

static void case_dims_neutral(gpu_case *c) {
  for (int i = 0; i < 3; ++i) {
    c->in[i] = c->k[i] = c->s[i] = c->d[i] = 1;
    c->pb[i] = c->pe[i] = c->opad[i] = 0;
  }
}

/* Channels: plain, grouped, or depthwise (one input channel per group). */
static void case_random_channels(gpu_case *c) {
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
static void case_random(gpu_case *c, tconv_op op, int rank) {
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

/* ---- running one case --------------------------------------------------------------------- */

typedef struct gpu_run {
  tconv_buffer *inputs, *output;
  size_t x_offset, w_offset, b_offset, y_offset;
  float *y_buffer; /* host copy of the whole output buffer: guards and y */
  int64_t y_words;
} gpu_run;

static size_t words(int64_t n) { return (size_t)n * sizeof(float); }

static void run_release(gpu_run *r) {
  tconv_buffer_destroy(r->inputs);
  tconv_buffer_destroy(r->output);
  free(r->y_buffer);
  memset(r, 0, sizeof *r);
}

static int run_setup(const gpu_case *c, gpu_run *r) {
  memset(r, 0, sizeof *r);
  r->x_offset = words(INPUT_GAP_WORDS);
  r->w_offset = r->x_offset + words(c->x_count + INPUT_GAP_WORDS);
  r->b_offset = r->w_offset + words(c->w_count + INPUT_GAP_WORDS);
  const size_t input_bytes = r->b_offset + words(c->bias ? c->cout : 0);
  r->y_offset = words(GUARD_WORDS);
  r->y_words = c->y_count + 2 * GUARD_WORDS;
  r->y_buffer = malloc(words(r->y_words));
  tconv_status status = r->y_buffer == NULL ? TCONV_STATUS_OUT_OF_MEMORY : TCONV_STATUS_OK;
  if (status == TCONV_STATUS_OK)
    status = tconv_buffer_create(gpu_ctx, input_bytes, &r->inputs);
  if (status == TCONV_STATUS_OK)
    status = tconv_buffer_create(gpu_ctx, words(r->y_words), &r->output);
  if (status != TCONV_STATUS_OK) {
    CASE_FAIL(c, "setting up buffers: %s (%s)", tconv_status_name(status),
              tconv_context_last_error(gpu_ctx));
    run_release(r);
    return 1;
  }
  return 0;
}

static int run_upload(const gpu_case *c, gpu_run *r, const float *x, const float *w,
                      const float *bias) {
  tconv_status status = tconv_buffer_upload(gpu_ctx, r->inputs, r->x_offset, x, words(c->x_count));
  if (status == TCONV_STATUS_OK)
    status = tconv_buffer_upload(gpu_ctx, r->inputs, r->w_offset, w, words(c->w_count));
  if (status == TCONV_STATUS_OK && c->bias)
    status = tconv_buffer_upload(gpu_ctx, r->inputs, r->b_offset, bias, words(c->cout));
  if (status != TCONV_STATUS_OK) {
    CASE_FAIL(c, "uploading inputs: %s (%s)", tconv_status_name(status),
              tconv_context_last_error(gpu_ctx));
    return 1;
  }
  return 0;
}

/* Poisons the output buffer, runs `algo`, downloads, checks the guards and copies y out. */
static int run_forward(const gpu_case *c, gpu_run *r, tconv_algo algo, float *y) {
  uint32_t *raw = (uint32_t *)(void *)r->y_buffer;
  for (int64_t i = 0; i < r->y_words; ++i)
    raw[i] = i < GUARD_WORDS || i >= GUARD_WORDS + c->y_count ? GUARD_WORD : POISON_WORD;
  tconv_status status = tconv_buffer_upload(gpu_ctx, r->output, 0, r->y_buffer, words(r->y_words));
  const char *step = "poisoning y";
  if (status == TCONV_STATUS_OK) {
    const int rank = c->rank + 2;
    const tconv_tensor x = tconv_tensor_make(r->inputs, r->x_offset, rank, c->x_dims);
    const tconv_tensor w = tconv_tensor_make(r->inputs, r->w_offset, rank, c->w_dims);
    const tconv_tensor b = tconv_tensor_make(r->inputs, r->b_offset, 1, &c->cout);
    const tconv_tensor out = tconv_tensor_make(r->output, r->y_offset, rank, c->y_dims);
    step = "forward";
    status =
        c->op == TCONV_OP_CONV
            ? tconv_conv_forward(gpu_ctx, &c->params, &x, &w, c->bias ? &b : NULL, &out, algo, NULL)
            : tconv_transpose_forward(gpu_ctx, &c->params, &x, &w, c->bias ? &b : NULL, &out, algo,
                                      NULL);
  }
  if (status == TCONV_STATUS_OK) {
    step = "synchronize";
    status = tconv_context_synchronize(gpu_ctx);
  }
  if (status == TCONV_STATUS_OK) {
    step = "download";
    status = tconv_buffer_download(gpu_ctx, r->output, 0, r->y_buffer, words(r->y_words));
  }
  if (status != TCONV_STATUS_OK) {
    CASE_FAIL(c, "%s (algo %s): %s (%s)", step, tconv_algo_name(algo), tconv_status_name(status),
              tconv_context_last_error(gpu_ctx));
    return 1;
  }
  for (int64_t i = 0; i < r->y_words; ++i) {
    const int guard = i < GUARD_WORDS || i >= GUARD_WORDS + c->y_count;
    if (guard && raw[i] != GUARD_WORD) {
      CASE_FAIL(c, "algo %s wrote outside y: guard word %lld %s y changed to 0x%08X",
                tconv_algo_name(algo),
                (long long)(i < GUARD_WORDS ? GUARD_WORDS - i : i - GUARD_WORDS - c->y_count + 1),
                i < GUARD_WORDS ? "before" : "after", (unsigned)raw[i]);
      return 1;
    }
  }
  memcpy(y, r->y_buffer + GUARD_WORDS, words(c->y_count));
  return 0;
}

static int reference(const gpu_case *c, const float *x, const float *w, const float *bias,
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

static int compare_close(const gpu_case *c, const char *what, const float *y, const float *ref) {
  const double error = test_rel_error(y, ref, c->y_count);
  if (!(error <= TEST_F32_TOLERANCE)) {
    CASE_FAIL(c, "%s: relative error %.3g > %g", what, error, TEST_F32_TOLERANCE);
    return 1;
  }
  return 0;
}

static int compare_exact(const gpu_case *c, const char *what, const float *y, const float *ref) {
  const int64_t at = test_first_difference(y, ref, c->y_count);
  if (at >= 0) {
    CASE_FAIL(c, "%s: element %lld is %.9g, expected %.9g", what, (long long)at, (double)y[at],
              (double)ref[at]);
    return 1;
  }
  return 0;
}

/* Runs every check on one case; returns 1 when it failed. */
static int check_case(gpu_case *c) {
  if (case_finish(c) != 0)
    return 1;
  float *x = malloc(words(c->x_count)), *w = malloc(words(c->w_count));
  float *bias = malloc(words(c->cout)), *ref = malloc(words(c->y_count));
  float *y1 = malloc(words(c->y_count)), *y2 = malloc(words(c->y_count));
  gpu_run r;
  int failed = 1;
  if (x == NULL || w == NULL || bias == NULL || ref == NULL || y1 == NULL || y2 == NULL) {
    CASE_FAIL(c, "out of host memory");
    goto cleanup;
  }
  if (run_setup(c, &r) != 0)
    goto cleanup;

  /* Random floats: close to the reference; a second run gives the same bits. */
  test_fill_uniform(x, c->x_count);
  test_fill_uniform(w, c->w_count);
  test_fill_uniform(bias, c->cout);
  if (reference(c, x, w, bias, ref) || run_upload(c, &r, x, w, bias) ||
      run_forward(c, &r, TCONV_ALGO_DIRECT, y1) || compare_close(c, "direct, floats", y1, ref) ||
      run_forward(c, &r, TCONV_ALGO_DIRECT, y2) ||
      compare_exact(c, "direct, floats, second run vs first", y2, y1) ||
      run_forward(c, &r, TCONV_ALGO_AUTO, y2) || compare_close(c, "auto, floats", y2, ref))
    goto release;

  /* Small integers: every algorithm is exact (but for sigmoid and tanh, whose float and
   * double evaluations differ in the last bits). */
  const int transcendental =
      c->activation == TCONV_ACTIVATION_SIGMOID || c->activation == TCONV_ACTIVATION_TANH;
  int (*const compare_int)(const gpu_case *, const char *, const float *, const float *) =
      transcendental ? compare_close : compare_exact;
  test_fill_int(x, c->x_count, INT_LO, INT_HI);
  test_fill_int(w, c->w_count, INT_LO, INT_HI);
  test_fill_int(bias, c->cout, INT_LO, INT_HI);
  if (reference(c, x, w, bias, ref) || run_upload(c, &r, x, w, bias) ||
      run_forward(c, &r, TCONV_ALGO_DIRECT, y1) || compare_int(c, "direct, integers", y1, ref) ||
      run_forward(c, &r, TCONV_ALGO_AUTO, y1) || compare_int(c, "auto, integers", y1, ref))
    goto release;
  failed = 0;

release:
  run_release(&r);
cleanup:
  free(x);
  free(w);
  free(bias);
  free(ref);
  free(y1);
  free(y2);
  return failed;
}

/* ---- tests -------------------------------------------------------------------------------- */

static int suite_init(void) {
  return tconv_context_create(&gpu_ctx, TCONV_BACKEND_CUDA, 0) == TCONV_STATUS_OK ? 0 : 1;
}

static int suite_cleanup(void) {
  tconv_context_destroy(gpu_ctx);
  gpu_ctx = NULL;
  return 0;
}

static void test_context_bad_device_is_no_device(void) {
  static char not_a_context;
  tconv_context *ctx = (tconv_context *)(void *)&not_a_context; /* must become NULL */
  CU_ASSERT_EQUAL(tconv_context_create(&ctx, TCONV_BACKEND_CUDA, 9999), TCONV_STATUS_NO_DEVICE);
  CU_ASSERT_PTR_NULL(ctx);
  CU_ASSERT(tconv_last_error()[0] != '\0');
}

static void test_auto_context_picks_cuda(void) {
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(&ctx, TCONV_BACKEND_AUTO, 0), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_context_backend(ctx), TCONV_BACKEND_CUDA);
  tconv_context_destroy(ctx);
}

/* DESIGN §4's worked examples, computed on the device. */
static void test_worked_examples(void) {
  begin_test();
  gpu_case c;
  memset(&c, 0, sizeof c);
  case_dims_neutral(&c);
  c.op = TCONV_OP_CONV;
  c.rank = 2;
  c.n = c.cin = c.cout = c.groups = 1;
  c.in[0] = c.in[1] = 3;
  c.k[0] = c.k[1] = 2;
  static const float x1[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w1[4] = {1, 2, 3, 4};
  static const float want1[4] = {37, 47, 67, 77};
  static const float x2[4] = {0, 1, 2, 3}, w2[4] = {0, 1, 2, 3};
  static const float want2[9] = {0, 0, 1, 0, 4, 6, 4, 12, 9};
  float y[9];
  gpu_run r;
  for (int example = 0; example < 2; ++example) {
    if (example == 1) {
      c.op = TCONV_OP_TRANSPOSE;
      c.in[0] = c.in[1] = 2;
    }
    if (case_finish(&c) != 0 || run_setup(&c, &r) != 0)
      return;
    if (run_upload(&c, &r, example ? x2 : x1, example ? w2 : w1, NULL) == 0 &&
        run_forward(&c, &r, TCONV_ALGO_DIRECT, y) == 0)
      compare_exact(&c, "worked example", y, example ? want2 : want1);
    run_release(&r);
  }
  CU_ASSERT_EQUAL(reported, 0);
}

/* 1-D: every stride 1-4, kernel 1-5, dilation 1-3; for the transposed op every valid
 * output_padding; pads drawn up to ke (one past ke - 1). */
static void test_sweep_1d(void) {
  begin_test();
  int64_t cases = 0, failed = 0;
  for (int64_t s = 1; s <= 4; ++s)
    for (int64_t k = 1; k <= 5; ++k)
      for (int64_t d = 1; d <= 3; ++d) {
        const int64_t ke = d * (k - 1) + 1;
        for (int64_t op = -2; op < max_i64(s, d); ++op) {
          /* op -2 and -1 stand for two convolution cases. */
          gpu_case c;
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
          failed += check_case(&c);
          ++cases;
        }
      }
  end_test(failed, cases);
}

static void test_sweep_random(void) {
  begin_test();
  const char *env = getenv("TCONV_TEST_GPU_CASES");
  const int64_t wanted =
      env != NULL && env[0] != '\0' ? strtoll(env, NULL, 10) : RANDOM_CASES_DEFAULT;
  printf("\n  seed %llu (TCONV_TEST_SEED=%llu TCONV_TEST_ONLY=gpu repeats these cases)",
         (unsigned long long)test_rng_seed_value(), (unsigned long long)test_rng_seed_value());
  int64_t cases = 0, failed = 0;
  while (cases < wanted) {
    gpu_case c;
    case_random(&c, test_rng_int(0, 1) ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV,
                (int)test_rng_int(1, 3));
    if (case_finish(&c) != 0) {
      ++failed;
      ++cases;
      continue;
    }
    if (c.work > CASE_WORK_LIMIT)
      continue; /* redraw: bounded work per case */
    failed += check_case(&c);
    ++cases;
  }
  end_test(failed, cases);
}

/* Padding modes (conv: reflect, replicate, circular; transposed: circular) and every fused
 * activation on random cases. */
static void test_sweep_conventions(void) {
  static const float alphas[6] = {0, 0, 0.2f, 0, 0, -0.5f}, betas[6] = {0, 0, 0, 0, 0, 0.75f};
  begin_test();
  int64_t cases = 0, failed = 0, padded = 0;
  while (cases < 300) {
    gpu_case c;
    case_random(&c, test_rng_int(0, 1) ? TCONV_OP_TRANSPOSE : TCONV_OP_CONV,
                (int)test_rng_int(1, 3));
    c.activation = (int)test_rng_int(0, 5);
    c.alpha = alphas[c.activation];
    c.beta = betas[c.activation];
    int mode = c.op == TCONV_OP_CONV ? (int)test_rng_int(0, 3)
                                     : (test_rng_int(0, 1) ? TCONV_PADDING_CIRCULAR : 0);
    for (int i = 0; i < c.rank && c.op == TCONV_OP_CONV; ++i) {
      const int64_t limit = mode == TCONV_PADDING_REFLECT ? c.in[i] - 1 : c.in[i];
      if (mode != TCONV_PADDING_ZEROS && (c.pb[i] > limit || c.pe[i] > limit))
        mode = TCONV_PADDING_REPLICATE; /* the only mode without a pad limit */
    }
    c.padding_mode = mode;
    if (case_finish(&c) != 0) {
      ++failed;
      ++cases;
      continue;
    }
    if (c.work > CASE_WORK_LIMIT / 4)
      continue; /* redraw: the padded kernels visit every tap */
    padded += mode != TCONV_PADDING_ZEROS;
    failed += check_case(&c);
    ++cases;
  }
  CU_ASSERT(padded > 100);
  end_test(failed, cases);
}

/* Cases a random draw rarely produces. */
static void test_edge_cases(void) {
  begin_test();
  /* One row per case reads better than clang-format's one field per line. */
  /* clang-format off */
  static const case_spec table[] = {
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
  int64_t failed = 0;
  const int64_t cases = (int64_t)(sizeof table / sizeof table[0]);
  for (int64_t i = 0; i < cases; ++i) {
    gpu_case c;
    case_from_spec(&c, &table[i]);
    failed += check_case(&c);
  }
  end_test(failed, cases);
}

/* More outputs than the direct launcher's grid has threads (DIRECT_BLOCKS_PER_SM blocks of
 * 256 per SM, about 540k threads on a 132-SM H100 or H200), so each thread loops. */
static void test_grid_stride_loop(void) {
  begin_test();
  /* clang-format off */
  static const case_spec table[] = {
    {TCONV_OP_TRANSPOSE, 2, 2, 2, 4, 1, 1, {300, 300, 1}, {3, 3, 1}, {2, 2, 1}, {1, 1, 1},
     {1, 1, 0}, {1, 1, 0}, {1, 1, 0}},
    {TCONV_OP_CONV, 2, 1, 2, 3, 1, 1, {700, 500, 1}, {3, 3, 1}, {1, 1, 1}, {1, 1, 1},
     {1, 1, 0}, {1, 1, 0}, {0, 0, 0}},
  };
  /* clang-format on */
  int64_t failed = 0;
  const int64_t cases = (int64_t)(sizeof table / sizeof table[0]);
  for (int64_t i = 0; i < cases; ++i) {
    gpu_case c;
    case_from_spec(&c, &table[i]);
    failed += check_case(&c);
    CU_ASSERT(c.y_count > 1000000);
  }
  end_test(failed, cases);
}

CU_ErrorCode test_register_gpu(int *skipped) {
  char reason[512] = "";
  *skipped = 0;
  if (tconv_cuda_probe(reason, sizeof reason) != TCONV_STATUS_OK) {
    printf("GPU suites: SKIPPED (%s)\n", reason);
    *skipped = 1;
    return CUE_SUCCESS;
  }
  CU_pSuite suite = CU_add_suite("gpu_direct", suite_init, suite_cleanup);
  if (suite == NULL)
    return CU_get_error();
  if (CU_add_test(suite, "bad device index is NO_DEVICE", test_context_bad_device_is_no_device) ==
          NULL ||
      CU_add_test(suite, "AUTO context picks CUDA", test_auto_context_picks_cuda) == NULL ||
      CU_add_test(suite, "worked examples", test_worked_examples) == NULL ||
      CU_add_test(suite, "1-D sweep: stride, kernel, dilation, every output_padding",
                  test_sweep_1d) == NULL ||
      CU_add_test(suite, "random rank 1-3 sweep", test_sweep_random) == NULL ||
      CU_add_test(suite, "edge cases", test_edge_cases) == NULL ||
      CU_add_test(suite, "padding modes and activations", test_sweep_conventions) == NULL ||
      CU_add_test(suite, "grid-stride loop (outputs > threads)", test_grid_stride_loop) == NULL)
    return CU_get_error();
  return CUE_SUCCESS;
}
