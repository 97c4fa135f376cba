/*
 * test_typed.c - unit "typed": float16, bfloat16, channels-last and TF32 through the public
 * API on the CPU backend, the typed reference entry points, the tolerance rule, verify mode
 * on typed tensors, and the CUDA algorithms' support matrix (their supports rules run on the
 * host).
 *
 * The sweep (typed.h) runs seeded random cases, with padding modes and activations, over
 * every dtype x layout x math combination, the tensors at odd offsets or aligned on
 * alternate cases: the CPU backend's result, permuted back by the test's own code, must lie
 * within the dtype's tolerance of the float32 reference of the rounded inputs and, where the
 * reference computes it, equal the typed reference on channels-first copies bit for bit.
 */
#include "typed.h"

#include "algos.h"
#include "internal.h"
#include "reference.h"
#include "tolerance.h"
#include "float16.cuh"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SWEEP_CASES 96

static tconv_context *cpu;

static int suite_init(void) {
  return tconv_context_create(TCONV_BACKEND_CPU, 0, &cpu) == TCONV_STATUS_OK ? 0 : 1;
}

static int suite_cleanup(void) {
  tconv_context_destroy(cpu);
  cpu = NULL;
  return 0;
}

/* Random cases, every third with a padding mode and an activation; each case runs every
 * combination (AUTO and REFERENCE alternate), bit for bit against the typed reference where
 * the reference computes it. */
static void test_cpu_sweep(void) {
  begin_test();
  int64_t cases = 0, failed = 0, runs = 0;
  while (cases < SWEEP_CASES) {
    test_case c;
    const int drawn = typed_draw_case(&c, cases, 3, CASE_WORK_LIMIT / 8);
    if (drawn < 0)
      continue;
    if (drawn > 0) {
      ++failed;
      ++cases;
      continue;
    }
    int bad = 0;
    for (int k = 0; k < TYPED_COMBO_COUNT && !bad; ++k) {
      const tconv_algo algo = (k + cases) % 2 ? TCONV_ALGO_REFERENCE : TCONV_ALGO_AUTO;
      const typed_combo *combo = &typed_combos[k];
      /* AUTO runs a CPU algorithm (FP32 accumulation, not the reference's bits) on float32
       * channels-first STRICT tensors, the reference on the rest. */
      const int cpu_algorithm = combo->dtype == TCONV_DTYPE_FLOAT32 &&
                                combo->x == TCONV_LAYOUT_NCHW && combo->w == TCONV_LAYOUT_NCHW &&
                                combo->y == TCONV_LAYOUT_NCHW && combo->math == TCONV_MATH_STRICT;
      bad = !typed_supported(cpu, &c, combo, algo) ||
            typed_check(cpu, algo, &c, combo, algo == TCONV_ALGO_REFERENCE || !cpu_algorithm,
                        (int)(cases % 2));
      ++runs;
    }
    failed += bad;
    ++cases;
  }
  printf("\n  %lld forward calls", (long long)runs);
  end_test(failed, cases);
}

/* The typed reference's three formulations agree on channels-last half tensors. */
static void test_typed_formulations(void) {
  begin_test();
  int64_t failed = 0, cases = 0;
  for (; cases < 40; ++cases) {
    test_case c;
    case_random(&c, TCONV_OP_TRANSPOSE, (int)test_rng_int(1, 3));
    if (case_finish(&c) != 0 || c.work > CASE_WORK_LIMIT / 8) {
      --cases;
      continue;
    }
    const tconv_dtype dtype = cases % 2 ? TCONV_DTYPE_FLOAT16 : TCONV_DTYPE_BFLOAT16;
    uint16_t *x = malloc((size_t)c.x_count * 2), *w = malloc((size_t)c.w_count * 2);
    uint16_t *b = malloc((size_t)c.cout * 2), *y[3];
    float *f = malloc((size_t)(c.x_count + c.w_count + c.cout) * 4);
    double *s = malloc((size_t)c.y_count * sizeof(double));
    for (int i = 0; i < 3; ++i)
      y[i] = malloc((size_t)c.y_count * 2);
    case_fill_inputs(&c, 0, f, f + c.x_count, f + c.x_count + c.w_count);
    uint16_t (*narrow)(float) = dtype == TCONV_DTYPE_FLOAT16 ? tconv_f32_to_f16 : tconv_f32_to_bf16;
    for (int64_t i = 0; i < c.x_count; ++i)
      x[i] = narrow(f[i]);
    for (int64_t i = 0; i < c.w_count; ++i)
      w[i] = narrow(f[c.x_count + i]);
    for (int64_t i = 0; i < c.cout; ++i)
      b[i] = narrow(f[c.x_count + c.w_count + i]);
    const tconv_layout L = TCONV_LAYOUT_NHWC;
    int bad = 0;
    for (int k = 0; k < 3; ++k)
      bad |= tconv_reference_transpose_typed(&c.params, (tconv_formulation)k, dtype, L, c.x_dims, x,
                                             L, c.w_dims, w, c.bias ? b : NULL, L, c.y_dims,
                                             y[k]) != TCONV_STATUS_OK;
    tconv_problem pr;
    if (!bad && case_problem(&c, &pr) == 0) {
      pr.dtype = dtype;
      pr.x_layout = pr.w_layout = pr.y_layout = L;
      tconv_ref_magnitude(&pr, x, w, c.bias ? b : NULL, s);
      float (*widen)(uint16_t) =
          dtype == TCONV_DTYPE_FLOAT16 ? tconv_f16_to_f32 : tconv_bf16_to_f32;
      for (int k = 1; k < 3 && !bad; ++k)
        for (int64_t i = 0; i < c.y_count && !bad; ++i) {
          const double r = widen(y[0][i]), v = widen(y[k][i]);
          bad = !tconv_tolerance_accepts(
              v, r,
              tconv_tolerance_bound(dtype, TCONV_MATH_STRICT, TCONV_ACTIVATION_NONE, 0, r, s[i]));
        }
    }
    if (bad)
      CASE_FAIL(&c, "%s: formulations disagree (%s)", tconv_dtype_name(dtype), tconv_last_error());
    failed += bad;
    free(x), free(w), free(b), free(f), free(s);
    for (int i = 0; i < 3; ++i)
      free(y[i]);
  }
  end_test(failed, cases);
}

/* ulp and bound values from the formats' definitions. */
static void test_tolerance_rule(void) {
  CU_ASSERT_EQUAL(tconv_ulp(TCONV_DTYPE_FLOAT16, 1.0), ldexp(1.0, -10));
  CU_ASSERT_EQUAL(tconv_ulp(TCONV_DTYPE_FLOAT16, -1.999), ldexp(1.0, -10));
  CU_ASSERT_EQUAL(tconv_ulp(TCONV_DTYPE_FLOAT16, 2.0), ldexp(1.0, -9));
  CU_ASSERT_EQUAL(tconv_ulp(TCONV_DTYPE_FLOAT16, 65504.0), 32.0);
  CU_ASSERT_EQUAL(tconv_ulp(TCONV_DTYPE_FLOAT16, 0.0), ldexp(1.0, -24));
  CU_ASSERT_EQUAL(tconv_ulp(TCONV_DTYPE_FLOAT16, 1e-6), ldexp(1.0, -24)); /* subnormal */
  CU_ASSERT_EQUAL(tconv_ulp(TCONV_DTYPE_BFLOAT16, 1.0), ldexp(1.0, -7));
  CU_ASSERT_EQUAL(tconv_ulp(TCONV_DTYPE_BFLOAT16, 0.0), ldexp(1.0, -133));
  CU_ASSERT_EQUAL(tconv_ulp(TCONV_DTYPE_FLOAT32, 1.0), ldexp(1.0, -23));
  CU_ASSERT_EQUAL(tconv_ulp(TCONV_DTYPE_FLOAT32, 0.0), ldexp(1.0, -149));
  CU_ASSERT(isinf(tconv_ulp(TCONV_DTYPE_FLOAT16, INFINITY)));
  /* The rule's terms: one ulp plus L c S, TF32's c for float32 only, sigmoid's extra. */
  const double u = ldexp(1.0, -10), s = 8.0;
  CU_ASSERT_EQUAL(tconv_tolerance_bound(TCONV_DTYPE_FLOAT16, TCONV_MATH_STRICT,
                                        TCONV_ACTIVATION_NONE, 0, 1.5, s),
                  u + TCONV_TOLERANCE_FP32 * s);
  CU_ASSERT_EQUAL(
      tconv_tolerance_bound(TCONV_DTYPE_FLOAT16, TCONV_MATH_TF32, TCONV_ACTIVATION_NONE, 0, 1.5, s),
      u + TCONV_TOLERANCE_FP32 * s);
  CU_ASSERT_EQUAL(
      tconv_tolerance_bound(TCONV_DTYPE_FLOAT32, TCONV_MATH_TF32, TCONV_ACTIVATION_NONE, 0, 1.5, s),
      ldexp(1.0, -23) + TCONV_TOLERANCE_TF32 * s);
  CU_ASSERT_EQUAL(tconv_tolerance_bound(TCONV_DTYPE_FLOAT16, TCONV_MATH_STRICT,
                                        TCONV_ACTIVATION_LEAKY_RELU, -3.0f, 1.5, s),
                  u + 3.0 * TCONV_TOLERANCE_FP32 * s);
  CU_ASSERT_EQUAL(tconv_tolerance_bound(TCONV_DTYPE_FLOAT16, TCONV_MATH_STRICT,
                                        TCONV_ACTIVATION_SIGMOID, 0, 0.5, 0.0),
                  ldexp(1.0, -11) + TCONV_TOLERANCE_FP32 * 0.5);
  CU_ASSERT(tconv_tolerance_accepts(1.0 + u, 1.0, u));
  CU_ASSERT(!tconv_tolerance_accepts(1.0 + 2 * u, 1.0, u));
  CU_ASSERT(!tconv_tolerance_accepts(NAN, 1.0, 1e30));
  CU_ASSERT(tconv_tolerance_accepts(NAN, NAN, 0));
  CU_ASSERT(!tconv_tolerance_accepts(INFINITY, -INFINITY, 1e30));
  CU_ASSERT(!tconv_tolerance_per_element(TCONV_DTYPE_FLOAT32, TCONV_MATH_STRICT));
  CU_ASSERT(tconv_tolerance_per_element(TCONV_DTYPE_FLOAT32, TCONV_MATH_TF32));
  CU_ASSERT(tconv_tolerance_per_element(TCONV_DTYPE_BFLOAT16, TCONV_MATH_STRICT));
}

/* The CUDA algorithms' storage rules, combination by combination: direct, depthwise and gemm
 * take every dtype x layout x math; the implicit GEMM float32 channels-first STRICT only, the
 * tensor-core one float16 and bfloat16 under either math and float32 under TF32 math (every
 * layout), each naming what it refuses. */
static void test_cuda_support_matrix(void) {
  static const struct {
    tconv_algo algo;
    int (*rule)(const tconv_problem *, char *, size_t);
  } rules[5] = {{TCONV_ALGO_DIRECT, tconv_direct_supports},
                {TCONV_ALGO_DEPTHWISE, tconv_depthwise_supports},
                {TCONV_ALGO_GEMM, tconv_gemm_supports},
                {TCONV_ALGO_IGEMM, tconv_igemm_supports},
                {TCONV_ALGO_IGEMM_TC, tconv_igemm_tc_supports}};
  tconv_params p = tconv_params_default(2);
  p.groups = 4;
  const int64_t x[4] = {1, 4, 5, 5}, w[4] = {4, 1, 3, 3};
  tconv_problem pr;
  CU_ASSERT_EQUAL_FATAL(tconv_problem_init(NULL, &pr, TCONV_OP_TRANSPOSE, &p, x, w),
                        TCONV_STATUS_OK);
  for (int r = 0; r < 5; ++r)
    for (int k = 0; k < TYPED_COMBO_COUNT; ++k) {
      const typed_combo *t = &typed_combos[k];
      tconv_problem q = pr;
      q.dtype = t->dtype;
      q.x_layout = t->x, q.w_layout = t->w, q.y_layout = t->y;
      q.math = t->math;
      const char *named;
      const int expected = typed_cuda_takes(rules[r].algo, t, &named);
      char why[256] = "", what[96];
      typed_describe(t, what, sizeof what);
      const int takes = rules[r].rule(&q, why, sizeof why);
      if (takes != expected)
        printf("\n  %s, %s: supports says %d (%s)", tconv_algo_name(rules[r].algo), what, takes,
               why);
      CU_ASSERT_EQUAL(takes, expected);
      if (takes || named == NULL)
        continue;
      CU_ASSERT_PTR_NOT_NULL(strstr(why, named));
    }
}

/* The tensor form of the supports query, and the storage checks of the queries. */
static void test_queries(void) {
  const tconv_params p = tconv_params_default(2);
  const int64_t xd[4] = {1, 2, 4, 4}, wd[4] = {2, 3, 3, 3}, yd[4] = {1, 3, 6, 6};
  tconv_tensor x = tconv_tensor_make_typed(NULL, 0, 4, xd, TCONV_DTYPE_BFLOAT16, TCONV_LAYOUT_NHWC);
  tconv_tensor w = tconv_tensor_make_typed(NULL, 0, 4, wd, TCONV_DTYPE_BFLOAT16, TCONV_LAYOUT_NCHW);
  tconv_tensor y = tconv_tensor_make_typed(NULL, 0, 4, yd, TCONV_DTYPE_BFLOAT16, TCONV_LAYOUT_NHWC);
  CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, &y, TCONV_ALGO_AUTO),
                  TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(
      tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, &y, TCONV_ALGO_REFERENCE),
      TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, &y, TCONV_ALGO_DIRECT),
                  TCONV_STATUS_UNSUPPORTED);
  size_t bytes = 1;
  CU_ASSERT_EQUAL(
      tconv_workspace_size(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, &y, TCONV_ALGO_AUTO, &bytes),
      TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(bytes, 0);
  w.dtype = TCONV_DTYPE_FLOAT16;
  CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, &y, TCONV_ALGO_AUTO),
                  TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT(strstr(tconv_context_last_error(cpu), "w has dtype float16 but x has bfloat16") !=
            NULL);
  CU_ASSERT_EQUAL(
      tconv_workspace_size(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, &y, TCONV_ALGO_AUTO, &bytes),
      TCONV_STATUS_INVALID_ARGUMENT);
  w.dtype = TCONV_DTYPE_BFLOAT16;
  y.dtype = TCONV_DTYPE_FLOAT32;
  CU_ASSERT_EQUAL(
      tconv_workspace_size(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, &y, TCONV_ALGO_AUTO, &bytes),
      TCONV_STATUS_INVALID_ARGUMENT);
  CU_ASSERT(strstr(tconv_context_last_error(cpu), "y has dtype float32 but x has bfloat16") !=
            NULL);
  y.dtype = TCONV_DTYPE_BFLOAT16;
  y.dims[3] = 5;
  CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, &y, TCONV_ALGO_AUTO),
                  TCONV_STATUS_SHAPE_MISMATCH);
  CU_ASSERT_EQUAL(
      tconv_workspace_size(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, &y, TCONV_ALGO_AUTO, &bytes),
      TCONV_STATUS_SHAPE_MISMATCH);
  /* Without y the output is taken in x's dtype and layout, with the computed dims. */
  CU_ASSERT_EQUAL(tconv_algo_supported(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, TCONV_ALGO_AUTO),
                  TCONV_STATUS_OK);
  bytes = 1;
  CU_ASSERT_EQUAL(
      tconv_workspace_size(cpu, TCONV_OP_TRANSPOSE, &p, &x, &w, NULL, TCONV_ALGO_AUTO, &bytes),
      TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(bytes, 0);
  CU_ASSERT_EQUAL(tconv_dtype_size(TCONV_DTYPE_BFLOAT16), 2);
  CU_ASSERT_EQUAL(tconv_dtype_size((tconv_dtype)7), 0);
  CU_ASSERT_STRING_EQUAL(tconv_dtype_name(TCONV_DTYPE_FLOAT16), "float16");
  CU_ASSERT_STRING_EQUAL(tconv_layout_name(TCONV_LAYOUT_NHWC), "nhwc");
  CU_ASSERT_STRING_EQUAL(tconv_math_name(TCONV_MATH_TF32), "tf32");
  CU_ASSERT_PTR_NULL(tconv_math_name((tconv_math)2));
  CU_ASSERT_EQUAL(tconv_params_default(1).math, TCONV_MATH_STRICT);
}

/* Verify mode on float16 channels-last tensors: a correct result passes, a planted one-ulp
 * error too (within the rule), a planted larger error is caught and named by its logical
 * coordinates (decoded through y's layout). */
static void test_verify_typed(void) {
  tconv_context *ctx = NULL;
  CU_ASSERT_EQUAL_FATAL(tconv_context_create(TCONV_BACKEND_CPU, 0, &ctx), TCONV_STATUS_OK);
  CU_ASSERT_EQUAL(tconv_context_set_verify(ctx, 1, 0.0), TCONV_STATUS_OK);
  tconv_params p = tconv_params_default(2);
  tconv_params_set_uniform(&p, 2, 1, 1, 1);
  const int64_t xd[4] = {1, 3, 3, 4}, wd[4] = {3, 2, 3, 3}, yd[4] = {1, 2, 6, 8};
  const int64_t nx = 36, nw = 54, ny = 96;
  tconv_buffer *bx = NULL, *bw = NULL, *by = NULL;
  CU_ASSERT_FATAL(tconv_buffer_create(ctx, (size_t)nx * 2, &bx) == TCONV_STATUS_OK &&
                  tconv_buffer_create(ctx, (size_t)nw * 2, &bw) == TCONV_STATUS_OK &&
                  tconv_buffer_create(ctx, (size_t)ny * 2, &by) == TCONV_STATUS_OK);
  uint16_t *hx = tconv_buffer_data(bx), *hw = tconv_buffer_data(bw), *hy = tconv_buffer_data(by);
  for (int64_t i = 0; i < nx; ++i)
    hx[i] = tconv_f32_to_f16((float)((i * 7) % 11) / 8.0f - 0.5f);
  for (int64_t i = 0; i < nw; ++i)
    hw[i] = tconv_f32_to_f16((float)((i * 5) % 13) / 8.0f - 0.75f);
  const tconv_layout L = TCONV_LAYOUT_NHWC;
  const tconv_tensor x = tconv_tensor_make_typed(bx, 0, 4, xd, TCONV_DTYPE_FLOAT16, L);
  const tconv_tensor w = tconv_tensor_make_typed(bw, 0, 4, wd, TCONV_DTYPE_FLOAT16, L);
  const tconv_tensor y = tconv_tensor_make_typed(by, 0, 4, yd, TCONV_DTYPE_FLOAT16, L);
  CU_ASSERT_EQUAL(tconv_transpose_forward(ctx, &p, &x, &w, NULL, &y, TCONV_ALGO_AUTO, NULL),
                  TCONV_STATUS_OK);
  /* Memory index 21 of an NHWC (1, 2, 6, 8) tensor: channel 1 at position (1, 2). */
  const float right = tconv_f16_to_f32(hy[21]);
  tconv_test_plant(ctx, 21, right + 0.5f);
  CU_ASSERT_EQUAL(tconv_transpose_forward(ctx, &p, &x, &w, NULL, &y, TCONV_ALGO_AUTO, NULL),
                  TCONV_STATUS_VERIFY_MISMATCH);
  const char *e = tconv_context_last_error(ctx);
  CU_ASSERT(strstr(e, "y[21] (n 0, c 1, 1, 2)") != NULL && strstr(e, "float16") != NULL);
  if (strstr(e, "y[21] (n 0, c 1, 1, 2)") == NULL)
    printf("\n  %s", e);
  const float one_ulp = (float)tconv_ulp(TCONV_DTYPE_FLOAT16, right);
  tconv_test_plant(ctx, 21, right + one_ulp);
  CU_ASSERT_EQUAL(tconv_transpose_forward(ctx, &p, &x, &w, NULL, &y, TCONV_ALGO_AUTO, NULL),
                  TCONV_STATUS_OK);
  tconv_buffer_destroy(bx), tconv_buffer_destroy(bw), tconv_buffer_destroy(by);
  tconv_context_destroy(ctx);
}

static CU_TestInfo typed_tests[] = {
    {"CPU backend: every dtype x layout x math vs the references", test_cpu_sweep},
    {"typed reference: the three formulations agree (half, nhwc)", test_typed_formulations},
    {"tolerance rule: ulps and bounds", test_tolerance_rule},
    {"CUDA supports rules: dtype x layout x math per algorithm", test_cuda_support_matrix},
    {"queries on typed tensor descriptors", test_queries},
    {"verify mode on float16 nhwc", test_verify_typed},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites_typed[] = {
    {"typed", suite_init, suite_cleanup, NULL, NULL, typed_tests},
    CU_SUITE_INFO_NULL,
};
