/*
 * test_gpu.c - suite "gpu": every CUDA algorithm (DIRECT, IGEMM, GEMM, DEPTHWISE - each on
 * the cases tconv_algo_supported() says it takes - and AUTO as dispatched) against the CPU
 * reference, through the public API only (no CUDA headers).
 *
 * Every case runs twice for every algorithm: seeded random floats in [-1, 1) (relative error
 * <= 1e-5, and two runs bitwise equal) and small integers (sums exact in float32, so bitwise
 * equal to the reference). An algorithm that needs a workspace gets one of exactly the size
 * tconv_workspace_size() gives, with guard words after it. Before each run the output buffer is
 * poisoned (NaN everywhere) and y sits at an odd offset inside it with guard words before and
 * after, which must come back unchanged: an output the kernel forgets stays NaN, a write outside y
 * changes a guard. Inputs sit at odd offsets of a shared buffer too.
 *
 * Cases: an exhaustive 1-D sweep of stride 1-4, kernel 1-5, dilation 1-3 and every valid
 * output_padding with random pads up to the dilated extent (one beyond what leaves every
 * output a tap); random rank 1-3 cases with per-dimension parameters, groups 1 / several /
 * depthwise, batch > 1, bias on or off; a table of edge cases; one output large enough that
 * the grid-stride loop takes several turns. TCONV_TEST_GPU_CASES sets the number of random
 * cases (default 600, and half as many padding-mode and activation cases; ci/gpu-check.sh
 * lowers it under compute-sanitizer).
 *
 * Without a usable device nothing is registered and "GPU suites: SKIPPED (<reason>)" is
 * printed; the runner turns that into a failure under REQUIRE_GPU=1.
 */
#include "cases.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD_WORDS 37          /* before and after y: odd, so y is not 16-byte aligned */
#define INPUT_GAP_WORDS 3       /* before x, w and bias in the shared input buffer */
#define POISON_WORD 0xFFFFFFFFu /* a NaN: an unwritten output fails the comparison */
#define GUARD_WORD 0x7FA5A5A5u  /* a NaN no kernel computes: a stray write changes it */
#define RANDOM_CASES_DEFAULT 600
static tconv_context *gpu_ctx;

/* ---- running one case --------------------------------------------------------------------- */

typedef struct gpu_run {
  tconv_buffer *inputs, *output, *workspace;
  size_t x_offset, w_offset, b_offset, y_offset;
  float *y_buffer; /* host copy of the whole output buffer: guards and y */
  int64_t y_words;
} gpu_run;

static size_t words(int64_t n) { return (size_t)n * sizeof(float); }

static void run_release(gpu_run *r) {
  tconv_buffer_destroy(r->inputs);
  tconv_buffer_destroy(r->output);
  tconv_buffer_destroy(r->workspace);
  free(r->y_buffer);
  memset(r, 0, sizeof *r);
}

static int run_setup(const test_case *c, gpu_run *r) {
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

static int run_upload(const test_case *c, gpu_run *r, const float *x, const float *w,
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

/* Makes r->workspace exactly the size `algo` asks for (none for 0). */
static int run_workspace(const test_case *c, gpu_run *r, tconv_algo algo) {
  tconv_buffer_destroy(r->workspace);
  r->workspace = NULL;
  const int rank = c->rank + 2;
  const tconv_tensor x = tconv_tensor_make(r->inputs, r->x_offset, rank, c->x_dims);
  const tconv_tensor w = tconv_tensor_make(r->inputs, r->w_offset, rank, c->w_dims);
  size_t bytes = 0;
  tconv_status status =
      tconv_workspace_size(gpu_ctx, c->op, &c->params, &x, &w, NULL, algo, &bytes);
  if (status == TCONV_STATUS_OK && bytes > 0)
    status = tconv_buffer_create(gpu_ctx, bytes, &r->workspace);
  if (status != TCONV_STATUS_OK) {
    CASE_FAIL(c, "workspace for %s: %s (%s)", tconv_algo_name(algo), tconv_status_name(status),
              tconv_context_last_error(gpu_ctx));
    return 1;
  }
  return 0;
}

/* Poisons the output buffer, runs `algo`, downloads, checks the guards and copies y out. */
static int run_forward(const test_case *c, gpu_run *r, tconv_algo algo, float *y) {
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
    status = c->op == TCONV_OP_CONV
                 ? tconv_conv_forward(gpu_ctx, &c->params, &x, &w, c->bias ? &b : NULL, &out, algo,
                                      r->workspace)
                 : tconv_transpose_forward(gpu_ctx, &c->params, &x, &w, c->bias ? &b : NULL, &out,
                                           algo, r->workspace);
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

/* The CUDA algorithms a case is run with besides AUTO; those the library says do not take
 * the case are skipped (DIRECT takes every case). */
static const tconv_algo gpu_algos[] = {TCONV_ALGO_DIRECT, TCONV_ALGO_IGEMM, TCONV_ALGO_GEMM,
                                       TCONV_ALGO_DEPTHWISE};
#define GPU_ALGO_COUNT (sizeof gpu_algos / sizeof gpu_algos[0])
static int64_t algo_cases[GPU_ALGO_COUNT]; /* cases each algorithm takes (coverage) */

static int supported(const test_case *c, tconv_algo algo) {
  return case_supported(gpu_ctx, c, algo) == TCONV_STATUS_OK;
}

/* One case's host arrays: random floats and small integers (inputs and the reference's
 * output for each), and two outputs. */
typedef struct gpu_arrays {
  float *x, *w, *bias, *ref;
  float *xi, *wi, *biasi, *refi;
  float *y1, *y2;
} gpu_arrays;

/* One algorithm on one case: floats (close to the reference, a second run bitwise equal to
 * the first), then integers (exact). */
static int check_algo(test_case *c, gpu_run *r, tconv_algo algo, const gpu_arrays *a) {
  char what[96];
  const int transcendental =
      c->activation == TCONV_ACTIVATION_SIGMOID || c->activation == TCONV_ACTIVATION_TANH;
  int (*const compare_int)(const test_case *, const char *, const float *, const float *) =
      transcendental ? case_compare_close : case_compare_exact;
  if (run_workspace(c, r, algo) || run_upload(c, r, a->x, a->w, a->bias))
    return 1;
  snprintf(what, sizeof what, "%s, floats", tconv_algo_name(algo));
  if (run_forward(c, r, algo, a->y1) || case_compare_close(c, what, a->y1, a->ref))
    return 1;
  snprintf(what, sizeof what, "%s, floats, second run vs first", tconv_algo_name(algo));
  if (run_forward(c, r, algo, a->y2) || case_compare_exact(c, what, a->y2, a->y1))
    return 1;
  snprintf(what, sizeof what, "%s, integers", tconv_algo_name(algo));
  if (run_upload(c, r, a->xi, a->wi, a->biasi) || run_forward(c, r, algo, a->y1) ||
      compare_int(c, what, a->y1, a->refi))
    return 1;
  return 0;
}

/* When set, check_case only counts the cases each algorithm takes (test_algorithm_coverage
 * replays the sweeps so, whatever ran before it). */
static int counting_only;

/* Runs every check on one case; returns 1 when it failed. */
static int check_case(test_case *c) {
  if (case_finish(c) != 0)
    return 1;
  if (counting_only) {
    for (size_t k = 0; k < GPU_ALGO_COUNT; ++k)
      algo_cases[k] += supported(c, gpu_algos[k]);
    return 0;
  }
  gpu_arrays a = {
      malloc(words(c->x_count)), malloc(words(c->w_count)), malloc(words(c->cout)),
      malloc(words(c->y_count)), malloc(words(c->x_count)), malloc(words(c->w_count)),
      malloc(words(c->cout)),    malloc(words(c->y_count)), malloc(words(c->y_count)),
      malloc(words(c->y_count)),
  };
  gpu_run r;
  int failed = 1;
  if (a.x == NULL || a.w == NULL || a.bias == NULL || a.ref == NULL || a.xi == NULL ||
      a.wi == NULL || a.biasi == NULL || a.refi == NULL || a.y1 == NULL || a.y2 == NULL) {
    CASE_FAIL(c, "out of host memory");
    goto cleanup;
  }
  if (run_setup(c, &r) != 0)
    goto cleanup;
  /* Random floats, and small integers (every algorithm exact on them, but for sigmoid and
   * tanh, whose float and double evaluations differ in the last bits). */
  case_fill_inputs(c, 0, a.x, a.w, a.bias);
  case_fill_inputs(c, 1, a.xi, a.wi, a.biasi);
  if (case_reference(c, a.x, a.w, a.bias, a.ref) || case_reference(c, a.xi, a.wi, a.biasi, a.refi))
    goto release;
  for (size_t k = 0; k < GPU_ALGO_COUNT; ++k) {
    if (!supported(c, gpu_algos[k])) {
      if (gpu_algos[k] == TCONV_ALGO_DIRECT) {
        CASE_FAIL(c, "direct does not take the case: %s", tconv_context_last_error(gpu_ctx));
        goto release;
      }
      continue;
    }
    if (check_algo(c, &r, gpu_algos[k], &a))
      goto release;
  }
  if (check_algo(c, &r, TCONV_ALGO_AUTO, &a))
    goto release;
  failed = 0;

release:
  run_release(&r);
cleanup:
  free(a.x);
  free(a.w);
  free(a.bias);
  free(a.ref);
  free(a.xi);
  free(a.wi);
  free(a.biasi);
  free(a.refi);
  free(a.y1);
  free(a.y2);
  return failed;
}

/* ---- tests -------------------------------------------------------------------------------- */

static int suite_init(void) {
  return tconv_context_create(TCONV_BACKEND_CUDA, 0, &gpu_ctx) == TCONV_STATUS_OK ? 0 : 1;
}

static int suite_cleanup(void) {
  tconv_context_destroy(gpu_ctx);
  gpu_ctx = NULL;
  return 0;
}

static void test_context_bad_device_is_no_device(void) {
  static char not_a_context;
  tconv_context *ctx = (tconv_context *)(void *)&not_a_context; /* must become NULL */
  CU_ASSERT_EQUAL(tconv_context_create(TCONV_BACKEND_CUDA, 9999, &ctx), TCONV_STATUS_NO_DEVICE);
  CU_ASSERT_PTR_NULL(ctx);
  CU_ASSERT(tconv_last_error()[0] != '\0');
}

static void test_auto_context_picks_cuda(void) {
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_AUTO, 0, &ctx), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_context_backend(ctx), TCONV_BACKEND_CUDA);
  tconv_context_destroy(ctx);
}

/* DESIGN §4's worked examples, computed on the device. */
static void test_worked_examples(void) {
  begin_test();
  test_case c;
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
    CU_ASSERT(supported(&c, TCONV_ALGO_DIRECT)); /* so at least one comparison is made */
    for (size_t a = 0; a < GPU_ALGO_COUNT; ++a)
      if (supported(&c, gpu_algos[a]) && run_workspace(&c, &r, gpu_algos[a]) == 0 &&
          run_upload(&c, &r, example ? x2 : x1, example ? w2 : w1, NULL) == 0 &&
          run_forward(&c, &r, gpu_algos[a], y) == 0)
        case_compare_exact(&c, tconv_algo_name(gpu_algos[a]), y, example ? want2 : want1);
    run_release(&r);
  }
  CU_ASSERT_EQUAL(case_reported(), 0);
}

/* 1-D: every stride 1-4, kernel 1-5, dilation 1-3; for the transposed op every valid
 * output_padding; pads drawn up to ke (one past ke - 1). */
static int sweep_check(test_case *c, void *data) {
  (void)data;
  return check_case(c);
}

static void test_sweep_1d(void) {
  begin_test();
  int64_t cases = 0;
  const int64_t failed = case_sweep_1d(sweep_check, NULL, &cases);
  end_test(failed, cases);
}

/* Random cases per sweep: TCONV_TEST_GPU_CASES, or the default. */
static int64_t random_cases(void) {
  const char *env = getenv("TCONV_TEST_GPU_CASES");
  return env != NULL && env[0] != '\0' ? strtoll(env, NULL, 10) : RANDOM_CASES_DEFAULT;
}

static void test_sweep_random(void) {
  begin_test();
  const int64_t wanted = random_cases();
  printf("\n  seed %llu (TCONV_TEST_SEED=%llu TCONV_TEST_ONLY=gpu repeats these cases)",
         (unsigned long long)test_rng_seed_value(), (unsigned long long)test_rng_seed_value());
  end_test(case_sweep_random(sweep_check, NULL, wanted, 0, CASE_WORK_LIMIT, NULL), wanted);
}

/* Padding modes (conv: reflect, replicate, circular; transposed: circular) and every fused
 * activation on random cases; the padded kernels visit every tap, so the work bound is lower. */
static void test_sweep_conventions(void) {
  begin_test();
  int64_t padded = 0;
  const int64_t wanted = random_cases() / 2; /* 300 by default */
  const int64_t failed =
      case_sweep_random(sweep_check, NULL, wanted, 1, CASE_WORK_LIMIT / 4, &padded);
  CU_ASSERT(padded > wanted / 3);
  end_test(failed, wanted);
}

/* Cases a random draw rarely produces. */
static void test_edge_cases(void) {
  begin_test();
  int64_t failed = 0;
  const int64_t cases = (int64_t)case_edge_count;
  for (int64_t i = 0; i < cases; ++i) {
    test_case c;
    case_from_spec(&c, &case_edge_table[i]);
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
    test_case c;
    case_from_spec(&c, &table[i]);
    failed += check_case(&c);
    CU_ASSERT(c.y_count > 1000000);
  }
  end_test(failed, cases);
}

/* Layer-like sizes: several tiles in every direction for the tiled algorithms. */
static void test_tiled_sizes(void) {
  begin_test();
  int64_t failed = 0;
  for (size_t i = 0; i < case_tile_count; ++i) {
    test_case c;
    case_from_spec(&c, &case_tile_table[i]);
    failed += check_case(&c);
  }
  end_test(failed, (int64_t)case_tile_count);
}

/* tconv_find_algo on the device: every row timed or refused with a reason, the winner cached
 * and used by AUTO, the output left by the last run correct. */
static void test_find(void) {
  begin_test();
  test_case c;
  case_from_spec(&c, &case_tile_table[0]);
  if (case_finish(&c) != 0)
    return;
  float *x = malloc(words(c.x_count)), *w = malloc(words(c.w_count));
  float *bias = malloc(words(c.cout)), *ref = malloc(words(c.y_count));
  float *y = malloc(words(c.y_count));
  gpu_run r;
  if (x == NULL || w == NULL || bias == NULL || ref == NULL || y == NULL ||
      run_setup(&c, &r) != 0) {
    CU_FAIL("setup");
    goto cleanup;
  }
  case_fill_inputs(&c, 0, x, w, bias);
  if (case_reference(&c, x, w, bias, ref) == 0 && run_workspace(&c, &r, TCONV_ALGO_GEMM) == 0 &&
      run_upload(&c, &r, x, w, bias) == 0) {
    const int rank = c.rank + 2;
    const tconv_tensor tx = tconv_tensor_make(r.inputs, r.x_offset, rank, c.x_dims);
    const tconv_tensor tw = tconv_tensor_make(r.inputs, r.w_offset, rank, c.w_dims);
    const tconv_tensor tb = tconv_tensor_make(r.inputs, r.b_offset, 1, &c.cout);
    const tconv_tensor ty = tconv_tensor_make(r.output, r.y_offset, rank, c.y_dims);
    tconv_algo_perf rows[TCONV_ALGO_COUNT];
    int count = -1;
    const tconv_status status = tconv_find_algo(gpu_ctx, c.op, &c.params, &tx, &tw, &tb, &ty,
                                                r.workspace, rows, TCONV_ALGO_COUNT, &count);
    CU_ASSERT_EQUAL_FATAL(status, TCONV_STATUS_OK);
    CU_ASSERT_EQUAL(count, 4); /* direct, igemm, gemm, depthwise */
    CU_ASSERT_EQUAL(rows[0].status, TCONV_STATUS_OK);
    for (int i = 0; i < count; ++i) {
      printf("\n  find: %-9s %-26s %8.4f ms, workspace %zu", tconv_algo_name(rows[i].algo),
             tconv_status_name(rows[i].status), rows[i].milliseconds, rows[i].workspace_bytes);
      if (i > 0 && rows[i].status == TCONV_STATUS_OK)
        CU_ASSERT(rows[i].milliseconds >= rows[i - 1].milliseconds);
    }
    if (tconv_buffer_download(gpu_ctx, r.output, r.y_offset, y, words(c.y_count)) ==
        TCONV_STATUS_OK)
      case_compare_close(&c, "find's last run", y, ref);
    if (run_forward(&c, &r, TCONV_ALGO_AUTO, y) == 0)
      case_compare_close(&c, "auto after find", y, ref);
  }
  run_release(&r);
cleanup:
  free(x);
  free(w);
  free(bias);
  free(ref);
  free(y);
  CU_ASSERT_EQUAL(case_reported(), 0);
}

/* Every algorithm must take a fair share of the sweeps' cases: the sweeps are replayed here
 * (the same seeded streams), counting the cases each algorithm takes instead of running
 * them, so the test holds whether or not they ran before it. */
static void test_algorithm_coverage(void) {
  memset(algo_cases, 0, sizeof algo_cases);
  counting_only = 1;
  test_sweep_1d();
  test_sweep_random();
  test_edge_cases();
  test_sweep_conventions();
  test_grid_stride_loop();
  test_tiled_sizes();
  counting_only = 0;
  for (size_t a = 0; a < GPU_ALGO_COUNT; ++a) {
    printf("\n  %-9s takes %lld cases", tconv_algo_name(gpu_algos[a]), (long long)algo_cases[a]);
    CU_ASSERT(algo_cases[a] >= 20);
  }
}

static CU_TestInfo gpu_tests[] = {
    {"bad device index is NO_DEVICE", test_context_bad_device_is_no_device},
    {"AUTO context picks CUDA", test_auto_context_picks_cuda},
    {"worked examples", test_worked_examples},
    {"1-D sweep: stride, kernel, dilation, every output_padding", test_sweep_1d},
    {"random rank 1-3 sweep", test_sweep_random},
    {"edge cases", test_edge_cases},
    {"padding modes and activations", test_sweep_conventions},
    {"grid-stride loop (outputs > threads)", test_grid_stride_loop},
    {"layer-like sizes: many tiles", test_tiled_sizes},
    {"find: timed, sorted, cached", test_find},
    {"every algorithm takes a fair share of the sweeps", test_algorithm_coverage},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo gpu_suites[] = {
    {"gpu", suite_init, suite_cleanup, NULL, NULL, gpu_tests},
    CU_SUITE_INFO_NULL,
};

CU_SuiteInfo *test_suites_gpu(void) { return gpu_suites; }
